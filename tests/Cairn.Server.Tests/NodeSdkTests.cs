// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Cairn.Server.Tests;

/// <summary>
/// immudb's own Node SDK (immudb-node 1.1.1, pinned in node/package.json) against a fresh server: node/sdk-check.mjs
/// logs in and runs verifiedSet, verifiedGet of an older key, setReference + verifiedGet of the reference,
/// verifiedZAdd, verifiedTxById and the plain calls, and fails on any failed verification, logged or rejected.
/// node and node_modules come from eng/install-test-tools.sh (./test.sh runs it first).
/// </summary>
public sealed class NodeSdkTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private const string InstallHint = "run eng/install-test-tools.sh (as root) to install node, npm and the SDK";

    [Fact]
    public async Task NodeSdk_immudb_node_1_1_1_verifies_everything_against_the_server()
    {
        string nodeFolder = Path.Combine(RepositoryRoot(), "tests", "Cairn.Server.Tests", "node");
        string script = Path.Combine(nodeFolder, "sdk-check.mjs");
        Assert.True(File.Exists(script), $"{script} is missing");
        Assert.True(
            File.Exists(Path.Combine(nodeFolder, "node_modules", "immudb-node", "package.json")),
            $"immudb-node is not installed in {nodeFolder}/node_modules: {InstallHint}");

        // immudb-node 1.1.1 verifies only version-0 headers: the server writes them when provenance is off.
        await using var server = await ServerProcess.StartAsync(arguments: ["--provenance", "off"]);
        var (exitCode, stdout, stderr, timedOut) = await RunNodeAsync(nodeFolder, script, server.Port);
        output.WriteLine(stdout);

        string report = $"""
            node sdk-check.mjs {(timedOut ? $"did not finish within {Timeout.TotalSeconds} s" : $"exited with {exitCode}")}
            --- its output ---
            {stdout}
            --- its error output (the SDK's own logging) ---
            {stderr}
            --- server output ---
            {server.Output}
            """;
        Assert.False(timedOut, report);
        Assert.True(exitCode == 0, report);
        Assert.DoesNotContain("FAIL", stdout, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr, bool TimedOut)> RunNodeAsync(string folder, string script, int port)
    {
        var start = new ProcessStartInfo("node", [script])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Only the settings given here: the SDK also reads IMMUDB_* defaults and a .env file (the script runs
        // in a fresh temporary folder for that reason).
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("IMMUDB_", StringComparison.Ordinal) || k.StartsWith("CAIRN_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["CAIRN_HOST"] = "127.0.0.1";
        start.Environment["CAIRN_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["CAIRN_USER"] = "immudb";
        start.Environment["CAIRN_PASSWORD"] = ServerProcess.AdminPassword;

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"node could not be started ({e.Message}): {InstallHint}");
            throw;
        }

        using (process)
        {
            Assert.NotNull(process);
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
            process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            bool timedOut = false;
            using (var cts = new CancellationTokenSource(Timeout))
            {
                try
                {
                    await process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    timedOut = true;
                    process.Kill(entireProcessTree: true);
                }
            }

            // Waits until both redirected streams are drained.
            await process.WaitForExitAsync();
            return (timedOut ? -1 : process.ExitCode, Text(stdout), Text(stderr), timedOut);
        }
    }

    private static void Append(StringBuilder sink, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sink)
        {
            sink.AppendLine(line);
        }
    }

    private static string Text(StringBuilder sink)
    {
        lock (sink)
        {
            return sink.ToString();
        }
    }

    /// <summary>The repository's root: the first folder above the test binaries that holds Cairn.slnx.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cairn.slnx")))
            {
                return dir.FullName;
            }
        }

        Assert.Fail($"no Cairn.slnx above {AppContext.BaseDirectory}: the node SDK check runs from the repository's tests/Cairn.Server.Tests/node");
        return string.Empty;
    }
}
