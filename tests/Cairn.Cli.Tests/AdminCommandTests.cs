// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using System.Text.Json;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn admin</c> users, databases and server info against the real server.</summary>
public sealed class AdminCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string AlicePassword = "Al1ce!pass";

    [Fact]
    public async Task Users_are_created_listed_granted_and_deactivated()
    {
        var created = await Ok("admin", "user", "create", "alice", "--permission", "readwrite", "--new-password", AlicePassword);
        Assert.Contains("created user alice with readwrite on defaultdb", created.Stdout);

        var users = (await Ok("admin", "user", "list", "-o", "json")).Json.GetProperty("users").EnumerateArray().ToList();
        var alice = Assert.Single(users, u => u.GetProperty("name").GetString() == "alice");
        Assert.True(alice.GetProperty("active").GetBoolean());
        Assert.Equal("readwrite", alice.GetProperty("permissions").GetProperty("defaultdb").GetString());
        Assert.Contains("alice", (await Ok("admin", "user", "list")).Stdout);

        var asAlice = fixture.Environment(("CAIRN_USER", "alice"), ("CAIRN_PASSWORD", AlicePassword));
        Assert.Equal(0, (await Cli.RunAsync(["client", "set", "alice:k", "v"], asAlice)).ExitCode);

        await Ok("admin", "user", "permission", "grant", "alice", "--permission", "read");
        var readOnly = await Cli.RunAsync(["client", "set", "alice:k", "w"], asAlice);
        Assert.Equal(5, readOnly.ExitCode);
        Assert.Contains("permission denied", readOnly.Stderr);
        Assert.Equal(0, (await Cli.RunAsync(["client", "get", "alice:k"], asAlice)).ExitCode);

        await Ok("admin", "user", "password", "alice", "--new-password", "N3w!alicepw");
        Assert.Equal(5, (await Cli.RunAsync(["client", "get", "alice:k"], asAlice)).ExitCode);
        asAlice["CAIRN_PASSWORD"] = "N3w!alicepw";
        Assert.Equal(0, (await Cli.RunAsync(["client", "get", "alice:k"], asAlice)).ExitCode);

        await Ok("admin", "user", "deactivate", "alice");
        var inactive = await Cli.RunAsync(["client", "get", "alice:k"], asAlice);
        Assert.Equal(5, inactive.ExitCode);
        Assert.False((await Ok("admin", "user", "list", "-o", "json")).Json.GetProperty("users").EnumerateArray()
            .Single(u => u.GetProperty("name").GetString() == "alice").GetProperty("active").GetBoolean());
        await Ok("admin", "user", "activate", "alice");
        Assert.Equal(0, (await Cli.RunAsync(["client", "get", "alice:k"], asAlice)).ExitCode);
    }

    [Fact]
    public async Task A_weak_password_is_refused_with_exit_code_1()
    {
        var result = await fixture.RunAsync("admin", "user", "create", "weak", "--permission", "read", "--new-password", "short");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("cairn: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_permission_is_a_usage_error()
    {
        Assert.Equal(2, (await fixture.RunAsync("admin", "user", "create", "bob", "--permission", "owner", "--new-password", AlicePassword)).ExitCode);
    }

    [Fact]
    public async Task Databases_are_created_listed_and_used()
    {
        Assert.Contains("created database sales", (await Ok("admin", "database", "create", "sales")).Stdout);
        var names = (await Ok("admin", "database", "list", "-o", "json")).Json.GetProperty("databases").EnumerateArray().Select(d => d.GetProperty("name").GetString()).ToList();
        Assert.Contains("defaultdb", names);
        Assert.Contains("sales", names);
        Assert.Contains("using database sales", (await Ok("admin", "database", "use", "sales")).Stdout);

        await Ok("client", "set", "region", "emea", "--database", "sales");
        var inSales = await Ok("client", "get", "region", "--database", "sales", "-o", "json");
        Assert.Equal("emea", inSales.Json.GetProperty("value").GetString());
        Assert.Equal(1, (await fixture.RunAsync("client", "get", "region")).ExitCode);
        Assert.Equal(1, (await fixture.RunAsync("admin", "database", "create", "sales")).ExitCode);
    }

    [Fact]
    public async Task Info_and_login_answer()
    {
        var info = await Ok("admin", "info", "-o", "json");
        Assert.False(string.IsNullOrEmpty(info.Json.GetProperty("version").GetString()));
        Assert.True(info.Json.GetProperty("databases").GetInt32() >= 1);
        Assert.Contains("logged in as immudb", (await Ok("admin", "login")).Stdout);
    }

    [Fact]
    public async Task The_audit_log_lists_records_by_sequence_and_the_last_ones()
    {
        Assert.Equal(0, (await fixture.RunAsync("client", "set", "audit-log:k", "v")).ExitCode);

        // A record is durable about 10 ms after its call: look among the last ones until the Set's query is there.
        JsonElement set = default;
        for (int attempt = 0; attempt < 50 && set.ValueKind == JsonValueKind.Undefined; attempt++)
        {
            var last = await Ok("admin", "audit-log", "--last", "30", "-o", "json");
            var records = last.Json.GetProperty("records").EnumerateArray().ToList();
            Assert.InRange(records.Count, 1, 30);
            Assert.Equal(records.Select(r => r.GetProperty("seq").GetUInt64()).Order(), records.Select(r => r.GetProperty("seq").GetUInt64()));
            set = records.LastOrDefault(r => r.GetProperty("method").GetString() == "Set" && r.GetProperty("action").GetString() == "query");
            await Task.Delay(set.ValueKind == JsonValueKind.Undefined ? 100 : 0);
        }

        Assert.Equal(JsonValueKind.Object, set.ValueKind);
        Assert.Equal("audit-log:k", Assert.Single(set.GetProperty("keys").EnumerateArray()).GetString());

        ulong seq = set.GetProperty("seq").GetUInt64();
        var range = await Ok("admin", "audit-log", "--from", (seq - 1).ToString(CultureInfo.InvariantCulture), "--limit", "2", "-o", "json");
        Assert.Equal([seq - 1, seq], range.Json.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("seq").GetUInt64()));

        var table = await Ok("admin", "audit-log", "--from", seq.ToString(CultureInfo.InvariantCulture), "--limit", "1");
        Assert.Contains("Set audit-log:k", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 record", table.Stdout, StringComparison.Ordinal);

        Assert.Equal(2, (await fixture.RunAsync("admin", "audit-log", "--limit", "0")).ExitCode);
    }

    private async Task<CliResult> Ok(params string[] arguments)
    {
        var result = await fixture.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"cairn {string.Join(' ', arguments)}\n{result}");
        return result;
    }
}
