// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Cli.Tests;

/// <summary>One-shot <c>cairn client</c> commands against the real server: output (JSON parsed, tables read) and exit codes.</summary>
public sealed class ClientCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Data_commands_answer_in_json()
    {
        var set = await Ok("client", "set", "json:a", "1", "-o", "json");
        ulong setTx = set.Json.GetProperty("tx").GetUInt64();
        Assert.Equal(1, set.Json.GetProperty("entries").GetInt32());
        Assert.Equal(64, set.Json.GetProperty("alh").GetString()!.Length);

        var get = await Ok("client", "get", "json:a", "-o", "json");
        Assert.Equal("json:a", get.Json.GetProperty("key").GetString());
        Assert.Equal("1", get.Json.GetProperty("value").GetString());
        Assert.Equal(setTx, get.Json.GetProperty("tx").GetUInt64());
        Assert.False(get.Json.TryGetProperty("verified", out _));

        var safeset = await Ok("client", "safeset", "json:a", "2", "-o", "json");
        Assert.True(safeset.Json.GetProperty("verified").GetBoolean());
        ulong safeTx = safeset.Json.GetProperty("tx").GetUInt64();
        Assert.Equal(safeTx, safeset.Json.GetProperty("trustedTx").GetUInt64());

        var safeget = await Ok("client", "verifiedget", "json:a", "-o", "json");
        Assert.Equal("2", safeget.Json.GetProperty("value").GetString());
        Assert.Equal(2UL, safeget.Json.GetProperty("revision").GetUInt64());
        Assert.True(safeget.Json.GetProperty("verified").GetBoolean());
        Assert.True(safeget.Json.GetProperty("trustedTx").GetUInt64() >= safeTx);

        Assert.Equal("1", (await Ok("client", "safeget", "json:a", "--at-tx", $"{setTx}", "-o", "json")).Json.GetProperty("value").GetString());
        Assert.Equal("1", (await Ok("client", "get", "json:a", "--revision", "1", "-o", "json")).Json.GetProperty("value").GetString());

        var history = await Ok("client", "history", "json:a", "-o", "json");
        Assert.Equal(["1", "2"], history.Json.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("value").GetString()));

        await Ok("client", "set", "json:b", "x");
        var scan = await Ok("client", "scan", "json:", "-o", "json");
        Assert.Equal(["json:a", "json:b"], scan.Json.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("key").GetString()));
        Assert.Equal(2UL, (await Ok("client", "count", "json:", "-o", "json")).Json.GetProperty("count").GetUInt64());

        await Ok("client", "reference", "json:ref", "json:b");
        var viaRef = await Ok("client", "get", "json:ref", "-o", "json");
        Assert.Equal("x", viaRef.Json.GetProperty("value").GetString());
        Assert.Equal("json:ref", viaRef.Json.GetProperty("referencedBy").GetString());

        await Ok("client", "zadd", "json:set", "2.5", "json:b");
        await Ok("client", "zadd", "json:set", "1", "json:a", "--verified");
        var members = (await Ok("client", "zscan", "json:set", "-o", "json")).Json.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(["json:a", "json:b"], members.Select(m => m.GetProperty("key").GetString()));
        Assert.Equal([1.0, 2.5], members.Select(m => m.GetProperty("score").GetDouble()));

        var tx = await Ok("client", "tx", $"{setTx}", "-o", "json");
        Assert.Equal(setTx, tx.Json.GetProperty("tx").GetUInt64());
        var entry = Assert.Single(tx.Json.GetProperty("entries").EnumerateArray());
        Assert.Equal("kv", entry.GetProperty("space").GetString());
        Assert.Equal("json:a", entry.GetProperty("key").GetString());
        var provenance = tx.Json.GetProperty("provenance"); // the server records who wrote each tx (on by default)
        Assert.Equal("complete", provenance.GetProperty("status").GetString());
        Assert.Equal("immudb", provenance.GetProperty("user").GetString());
        Assert.StartsWith("ipv", provenance.GetProperty("clientAddress").GetString(), StringComparison.Ordinal);
        Assert.True((await Ok("client", "tx", $"{setTx}", "--verified", "-o", "json")).Json.GetProperty("verified").GetBoolean());

        var txs = (await Ok("client", "txscan", $"{setTx}", "--limit", "2", "-o", "json")).Json.GetProperty("txs").EnumerateArray().ToList();
        Assert.Equal([setTx, setTx + 1], txs.Select(t => t.GetProperty("tx").GetUInt64()));

        var status = await Ok("client", "status", "-o", "json");
        Assert.Equal("defaultdb", status.Json.GetProperty("database").GetString());
        Assert.True(status.Json.GetProperty("verified").GetBoolean());
        Assert.True(status.Json.GetProperty("tx").GetUInt64() > safeTx);

        var health = await Ok("client", "health", "-o", "json");
        Assert.True(health.Json.GetProperty("healthy").GetBoolean());
    }

    [Fact]
    public async Task Tables_show_the_values_without_escape_codes()
    {
        await Ok("client", "set", "table:k", "table-value");
        var get = await Ok("client", "get", "table:k");
        Assert.Contains("table:k", get.Stdout);
        Assert.Contains("table-value", get.Stdout);
        Assert.DoesNotContain('\u001b', get.Stdout);

        var safeget = await Ok("client", "safeget", "table:k");
        Assert.Contains("table-value", safeget.Stdout);
        Assert.Contains("verified, trusted tx", safeget.Stdout);

        var scan = await Ok("client", "scan", "table:");
        Assert.Contains("1 entry", scan.Stdout);
        Assert.Contains("yes", (await Ok("client", "health")).Stdout);
    }

    [Fact]
    public async Task A_missing_key_is_exit_code_1_with_one_line()
    {
        var result = await fixture.RunAsync("client", "get", "no-such-key");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("cairn: key not found", result.Stderr.Trim());
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task A_wrong_password_is_exit_code_5()
    {
        var result = await fixture.RunAsync("client", "get", "k", "--password", "Wrong!pass1");
        Assert.Equal(5, result.ExitCode);
        Assert.Contains("invalid user name or password", result.Stderr);
    }

    [Fact]
    public async Task No_password_without_a_terminal_is_exit_code_5()
    {
        var environment = fixture.Environment();
        environment.Remove("CAIRN_PASSWORD");
        var result = await Cli.RunAsync(["client", "get", "k"], environment);
        Assert.Equal(5, result.ExitCode);
        Assert.Contains("--password", result.Stderr);
    }

    [Fact]
    public async Task An_unreachable_server_is_exit_code_4()
    {
        var result = await Cli.RunAsync(["client", "get", "k"], fixture.Environment(("CAIRN_SERVER", "127.0.0.1:1")));
        Assert.Equal(4, result.ExitCode);
        Assert.Contains("http://127.0.0.1:1", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("client", "get", "k", "--at-tx", "1", "--revision", "1")]
    [InlineData("client", "nosuchcommand")]
    [InlineData("client", "set", "only-a-key")]
    [InlineData("client", "health", "--output", "yaml")]
    public async Task Usage_errors_are_exit_code_2(params string[] arguments)
    {
        var result = await fixture.RunAsync(arguments);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("cairn: ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_state_file_trusting_another_server_identity_is_exit_code_3()
    {
        string stateFile = Path.Combine(fixture.Folder, "other-identity.json");
        // The address is pinned to another identity, as if another server had answered there before.
        string trusted = "{\"format\":1,\"servers\":{\"" + fixture.Address + "\":{\"identity\":\"not-this-server\",\"states\":{\"defaultdb\":"
            + "{\"txId\":1,\"txHash\":\"" + new string('0', 64) + "\"}}}}}";
        await File.WriteAllTextAsync(stateFile, trusted);
        await Ok("client", "set", "trust:k", "v");
        var environment = fixture.Environment(("CAIRN_STATE_FILE", stateFile));

        var safeget = await Cli.RunAsync(["client", "safeget", "trust:k"], environment);
        Assert.Equal(3, safeget.ExitCode);
        Assert.StartsWith("cairn: integrity check failed", safeget.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, (await Cli.RunAsync(["client", "status"], environment)).ExitCode);
        // Unverified reads do not consult the trusted state.
        Assert.Equal(0, (await Cli.RunAsync(["client", "get", "trust:k"], environment)).ExitCode);
    }

    [Fact]
    public async Task Trust_is_kept_between_runs_in_the_state_file()
    {
        string stateFile = Path.Combine(fixture.Folder, "kept.json");
        var environment = fixture.Environment(("CAIRN_STATE_FILE", stateFile));
        var first = await Cli.RunAsync(["client", "safeset", "kept:k", "1", "-o", "json"], environment);
        Assert.Equal(0, first.ExitCode);
        Assert.Contains(fixture.Address, await File.ReadAllTextAsync(stateFile));
        var second = await Cli.RunAsync(["client", "safeget", "kept:k", "-o", "json"], environment);
        Assert.Equal(0, second.ExitCode);
        Assert.True(second.Json.GetProperty("trustedTx").GetUInt64() >= first.Json.GetProperty("tx").GetUInt64());
    }

    private async Task<CliResult> Ok(params string[] arguments)
    {
        var result = await fixture.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"cairn {string.Join(' ', arguments)}\n{result}");
        return result;
    }
}
