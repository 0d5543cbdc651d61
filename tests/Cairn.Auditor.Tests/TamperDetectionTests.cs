// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using System.Text;
using Cairn.Client;
using Cairn.Server.Tests;
using Cairn.Verification;

namespace Cairn.Auditor.Tests;

/// <summary>
/// The real <c>cairn audit</c> against the real server whose files are altered while it is stopped, as an attacker
/// with disk access would (checksums recomputed): the auditor's verdict must turn to 0 within a few intervals.
/// </summary>
public sealed class TamperDetectionTests
{
    private const string Db = "defaultdb";

    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_value_altered_on_disk_turns_the_result_to_0_and_it_stays_0()
    {
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "data");
        string stateFile = Path.Combine(folder.Path, "audit", "trust.json");
        ServerProcess? server = await ServerProcess.StartAsync(data);
        int port = server.Port;
        await using var auditor = await StartAuditorAsync(port, stateFile, sample: 20);
        try
        {
            await WriteAsync(port, 5);      // txs 2…6, one key each
            await auditor.WaitForAsync("cairn_audit_current_tx", 6, Soon, ("database", Db));
            Assert.Equal(1, await auditor.ValueAsync("cairn_audit_result", ("server", $"127.0.0.1:{port}"), ("database", Db)));
            Assert.Equal(1, await auditor.ValueAsync("cairn_audit_up", ("server", $"127.0.0.1:{port}")));
            Assert.True(await auditor.ValueAsync("cairn_audit_last_run_timestamp_seconds", ("database", Db)) > 0);
            Assert.True(await auditor.ValueAsync("cairn_audit_runs_total", ("outcome", "ok")) >= 1);

            // A stopped server is unreachable, not tampered: the verdict stays as it was.
            Assert.Equal(0, await server.TerminateAsync());
            await auditor.WaitForAsync("cairn_audit_up", 0, Soon);
            Assert.Equal(1, await auditor.ValueAsync("cairn_audit_result", ("database", Db)));

            // One byte of the value of tx 4, checksum recomputed: the server starts and serves it.
            string database = Path.Combine(data, Db);
            LogTamperer.FlipRecordByte(database, 4, LogTamperer.FirstUserValueOffset(database, 4));
            await server.DisposeAsync();
            server = null;     // not disposed twice should the restart fail
            server = await ServerProcess.StartAsync(data, ["--port", port.ToString(CultureInfo.InvariantCulture)]);

            await auditor.WaitForAsync("cairn_audit_result", 0, Soon, ("database", Db));
            await auditor.WaitForAsync("cairn_audit_up", 1, Soon);
            Assert.Contains("TAMPERED", auditor.Output, StringComparison.Ordinal);
            Assert.Contains("TAMPERED", auditor.Output, StringComparison.Ordinal);

            // Found by the client's own proof check: the value no longer hashes to the entry its tx holds.
            Assert.StartsWith("EntryInclusion:", VerdictOf(stateFile, port), StringComparison.Ordinal);

            // Sticky: later runs, and a new auditor over the same files, keep reporting it.
            await Task.Delay(2500);
            Assert.Equal(0, await auditor.ValueAsync("cairn_audit_result", ("database", Db)));
            Assert.Equal(0, await auditor.TerminateAsync());
            var (exit, output) = await ServerProcess.RunToExitAsync(AuditArguments(port, stateFile, once: true));
            Assert.True(exit == 3, output);
            Assert.Contains("still reported tampered", output, StringComparison.Ordinal);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_header_altered_on_disk_turns_the_result_to_0()
    {
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "data");
        string stateFile = Path.Combine(folder.Path, "trust.json");
        ServerProcess? server = await ServerProcess.StartAsync(data);
        int port = server.Port;

        // 70 txs after tx 1: the server re-checks the chain of the newest 64 on start, so tx 3 is left to the auditor.
        await WriteAsync(port, 70);
        await using var auditor = await StartAuditorAsync(port, stateFile, sample: 100);
        try
        {
            await auditor.WaitForAsync("cairn_audit_result", 1, Soon, ("database", Db));
            Assert.Equal(71, await auditor.ValueAsync("cairn_audit_current_tx", ("database", Db)));
            Assert.Equal(0, await server.TerminateAsync());

            // The lowest byte of tx 3's timestamp, checksum recomputed: its Alh no longer is the one in the tree.
            LogTamperer.FlipRecordByte(Path.Combine(data, Db), 3, LogTamperer.TimestampOffset + 7);
            await server.DisposeAsync();
            server = null;     // not disposed twice should the restart fail
            server = await ServerProcess.StartAsync(data, ["--port", port.ToString(CultureInfo.InvariantCulture)]);

            await auditor.WaitForAsync("cairn_audit_result", 0, Soon, ("database", Db));
            Assert.Contains("TAMPERED", auditor.Output, StringComparison.Ordinal);

            // The newest state still verifies (the tree file is intact); the sampled tx 3 does not.
            Assert.StartsWith("TreeInclusion: integrity check failed: Transaction 3 ", VerdictOf(stateFile, port), StringComparison.Ordinal);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Once_exits_0_when_ok_and_4_when_the_server_is_down_or_refuses_to_start_on_a_damaged_log()
    {
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "data");
        string stateFile = Path.Combine(folder.Path, "trust.json");
        ServerProcess? server = await ServerProcess.StartAsync(data);
        int port = server.Port;
        try
        {
            await WriteAsync(port, 3);
            var (exit, output) = await ServerProcess.RunToExitAsync(AuditArguments(port, stateFile, once: true));
            Assert.True(exit == 0, output);
            Assert.Contains("defaultdb: ok, tx 0 -> 4", output, StringComparison.Ordinal);

            // The password from the environment, the trust from the file: the second run extends the first.
            await WriteAsync(port, 1, "again");
            (exit, output) = await ServerProcess.RunToExitAsync(
                AuditArguments(port, stateFile, once: true, password: false),
                new Dictionary<string, string> { ["CAIRN_AUDIT_PASSWORD"] = ServerProcess.AdminPassword });
            Assert.True(exit == 0, output);
            Assert.Contains("defaultdb: ok, tx 4 -> 5", output, StringComparison.Ordinal);

            Assert.Equal(0, await server.TerminateAsync());
            (exit, output) = await ServerProcess.RunToExitAsync(AuditArguments(port, stateFile, once: true));
            Assert.True(exit == 4, output);

            // A header byte of the newest tx, even with its checksum recomputed, is caught by the server itself: recovery
            // re-checks the chain of the newest 64 txs and refuses to open the database. The auditor reports the server
            // unreachable (4), not tampered: it checked nothing.
            LogTamperer.FlipRecordByte(Path.Combine(data, Db), 5, LogTamperer.TimestampOffset + 7);
            await server.DisposeAsync();
            server = null;
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(
                () => ServerProcess.StartAsync(data, ["--port", port.ToString(CultureInfo.InvariantCulture)]));
            Assert.Contains("does not hash to its stored Alh", refused.Message, StringComparison.Ordinal);
            (exit, output) = await ServerProcess.RunToExitAsync(AuditArguments(port, stateFile, once: true));
            Assert.True(exit == 4, output);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task With_a_signing_key_a_wrong_key_or_an_unsigned_server_is_tampered()
    {
        using var folder = new TempFolder();
        using var signer = StateSigner.Generate();
        using var other = StateSigner.Generate();
        string privateKey = Path.Combine(folder.Path, "signing.pem");
        string rightKey = Path.Combine(folder.Path, "right.pub.pem");
        string wrongKey = Path.Combine(folder.Path, "wrong.pub.pem");
        await File.WriteAllTextAsync(privateKey, signer.ExportPrivateKeyPem());
        await File.WriteAllTextAsync(rightKey, signer.ExportPublicKeyPem());
        await File.WriteAllTextAsync(wrongKey, other.ExportPublicKeyPem());
        await using var server = await ServerProcess.StartAsync(arguments: ["--signing-key", privateKey]);
        await WriteAsync(server.Port, 2);

        var (exit, output) = await ServerProcess.RunToExitAsync(
            [.. AuditArguments(server.Port, Path.Combine(folder.Path, "right.json"), once: true), "--server-signing-pub-key", rightKey]);
        Assert.True(exit == 0, output);

        await using (var auditor = await StartAuditorAsync(server.Port, Path.Combine(folder.Path, "wrong.json"), sample: 10, "--server-signing-pub-key", wrongKey))
        {
            await auditor.WaitForAsync("cairn_audit_result", 0, Soon, ("database", Db));
            Assert.Equal(1, await auditor.ValueAsync("cairn_audit_up"));
            Assert.Contains("TAMPERED: Signature:", auditor.Output, StringComparison.Ordinal);
        }

        await using var unsigned = await ServerProcess.StartAsync();
        (exit, output) = await ServerProcess.RunToExitAsync(
            [.. AuditArguments(unsigned.Port, Path.Combine(folder.Path, "unsigned.json"), once: true), "--server-signing-pub-key", rightKey]);
        Assert.True(exit == 3, output);
    }

    [Fact]
    public async Task Bad_options_are_refused_with_exit_code_78()
    {
        var (exit, output) = await ServerProcess.RunToExitAsync(["audit", "--once", "--address", "127.0.0.1:1"]);
        Assert.Equal(78, exit);
        Assert.Contains("CAIRN_AUDIT_PASSWORD", output, StringComparison.Ordinal);

        (exit, output) = await ServerProcess.RunToExitAsync(["audit", "--once", "--password", "x", "--interval", "soon"]);
        Assert.Equal(78, exit);
        Assert.Contains("not a duration", output, StringComparison.Ordinal);
    }

    private static string VerdictOf(string stateFile, int port) =>
        new VerdictStore(VerdictStore.PathFor(stateFile)).Find($"http://127.0.0.1:{port}", Db)?.Reason ?? "no verdict";

    private static List<string> AuditArguments(int port, string stateFile, bool once, bool password = true)
    {
        var arguments = new List<string> { "audit", "--address", $"127.0.0.1:{port}", "--state-file", stateFile, "--sample", "20" };
        if (password)
        {
            arguments.AddRange(["--password", ServerProcess.AdminPassword]);
        }

        if (once)
        {
            arguments.Add("--once");
        }

        return arguments;
    }

    private static Task<AuditorProcess> StartAuditorAsync(int port, string stateFile, int sample, params string[] more) =>
        AuditorProcess.StartAsync([
            "--address", $"127.0.0.1:{port}", "--password", ServerProcess.AdminPassword, "--database", Db,
            "--interval", "1s", "--sample", sample.ToString(CultureInfo.InvariantCulture), "--state-file", stateFile, .. more]);

    private static async Task WriteAsync(int port, int count, string prefix = "audit")
    {
        await using var client = new CairnClient(new CairnClientOptions { Address = $"http://127.0.0.1:{port}" });
        await client.LoginAsync("immudb", ServerProcess.AdminPassword);
        for (int i = 0; i < count; i++)
        {
            await client.SetAsync(Encoding.UTF8.GetBytes($"{prefix}:{i}"), Encoding.UTF8.GetBytes($"value {i} of {prefix}"));
        }
    }
}
