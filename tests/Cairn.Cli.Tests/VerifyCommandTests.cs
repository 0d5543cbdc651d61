// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using Cairn.Server.Tests;

namespace Cairn.Cli.Tests;

/// <summary><c>cairn admin verify --dir</c> on a stopped server's data folder, whole and with one byte flipped.</summary>
public sealed class VerifyCommandTests
{
    [Fact]
    public async Task A_stopped_servers_folder_verifies_and_one_flipped_byte_is_named()
    {
        using var folder = new TempFolder();
        string dir = Path.Combine(folder.Path, "data");
        await using (var server = await ServerProcess.StartAsync(dir))
        {
            var environment = new Dictionary<string, string>
            {
                ["CAIRN_SERVER"] = $"127.0.0.1:{server.Port}",
                ["CAIRN_PASSWORD"] = ServerProcess.AdminPassword,
                ["CAIRN_STATE_FILE"] = Path.Combine(folder.Path, "state.json"),
            };
            Assert.Equal(0, (await Cli.RunAsync(["admin", "database", "create", "sales"], environment)).ExitCode);
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(0, (await Cli.RunAsync(["client", "set", $"k{i}", i == 3 ? "tamper-me" : $"value-{i}"], environment)).ExitCode);
            }

            Assert.Equal(0, await server.TerminateAsync());
        }

        var ok = await Cli.RunAsync(["admin", "verify", "--dir", dir]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("verifying defaultdb", ok.Stdout);
        Assert.Contains("verified: 4 databases", ok.Stdout);
        var json = await Cli.RunAsync(["admin", "verify", "--dir", dir, "-o", "json"]);
        Assert.Equal(0, json.ExitCode);
        Assert.Equal(["systemdb", "defaultdb", "auditdb", "sales"], json.Json.GetProperty("databases").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
        Assert.True(json.Json.GetProperty("ok").GetBoolean());
        var defaultdb = json.Json.GetProperty("databases")[1];
        Assert.Equal(6UL, defaultdb.GetProperty("txs").GetUInt64());
        Assert.Equal(json.Json.GetProperty("databases").EnumerateArray().Sum(d => (long)d.GetProperty("txs").GetUInt64()), (long)json.Json.GetProperty("txs").GetUInt64());

        string segment = Directory.GetFiles(Path.Combine(dir, "defaultdb", "log"), "*.seg").Order(StringComparer.Ordinal).First();
        FlipByteOf(segment, "tamper-me");

        var bad = await Cli.RunAsync(["admin", "verify", "--dir", dir]);
        Assert.Equal(3, bad.ExitCode);
        string reason = bad.Stderr.Trim();
        Assert.Single(reason.Split('\n'));
        Assert.StartsWith("cairn: defaultdb: tx 5, file ", reason, StringComparison.Ordinal);
        Assert.Contains(segment, reason);
        Assert.Matches(@"offset \d+", reason);
        Assert.Contains("NOT verified", bad.Stdout);

        var badJson = await Cli.RunAsync(["admin", "verify", "--dir", dir, "-o", "json"]);
        Assert.Equal(3, badJson.ExitCode);
        var first = badJson.Json.GetProperty("firstProblem");
        Assert.Equal("defaultdb", first.GetProperty("database").GetString());
        Assert.Equal(5UL, first.GetProperty("tx").GetUInt64());
        Assert.Equal(segment, first.GetProperty("file").GetString());
    }

    [Fact]
    public async Task A_folder_without_databases_is_exit_code_1()
    {
        using var folder = new TempFolder();
        var result = await Cli.RunAsync(["admin", "verify", "--dir", folder.Path]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no Cairn database", result.Stderr);
    }

    private static void FlipByteOf(string file, string text)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        var head = new byte[1 << 20];
        int read = stream.Read(head);
        int at = head.AsSpan(0, read).IndexOf(Encoding.UTF8.GetBytes(text));
        Assert.True(at > 0, $"'{text}' is not in {file}");
        stream.Position = at;
        stream.WriteByte((byte)(head[at] ^ 0x01));
    }
}
