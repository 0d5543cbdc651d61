// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Cairn.Server.Tests;

namespace Cairn.Auditor.Tests;

/// <summary>The real <c>cairn audit</c> as a child process, with its metrics endpoint scraped over HTTP.</summary>
public sealed partial class AuditorProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private AuditorProcess(Process process) => _process = process;

    public int MetricsPort { get; private set; }

    public string Output => string.Join('\n', _output);

    /// <summary>Starts <c>cairn audit</c> with a metrics port of 0 and waits until it says where its metrics are.</summary>
    public static async Task<AuditorProcess> StartAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet", [ServerProcess.CairnDll, "audit", "--metrics-port", "0", .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("CAIRN_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        var auditor = new AuditorProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            while (await auditor._process.StandardOutput.ReadLineAsync() is { } line)
            {
                auditor._output.Enqueue(line);
                if (MetricsLine().Match(line) is { Success: true } match)
                {
                    listening.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
                }
            }

            listening.TrySetException(new InvalidOperationException("the auditor exited before serving metrics:\n" + auditor.Output));
        });
        _ = Task.Run(async () =>
        {
            while (await auditor._process.StandardError.ReadLineAsync() is { } line)
            {
                auditor._output.Enqueue(line);
            }
        });
        auditor.MetricsPort = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return auditor;
    }

    /// <summary>The text of <c>/metrics</c>.</summary>
    public Task<string> ScrapeAsync() => Http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"));

    /// <summary>The value of a metric sample whose labels include every given one, or null when absent.</summary>
    public async Task<double?> ValueAsync(string metric, params (string Name, string Value)[] labels)
    {
        foreach (string line in (await ScrapeAsync()).Split('\n'))
        {
            var match = SampleLine().Match(line);
            if (!match.Success || match.Groups[1].Value != metric)
            {
                continue;
            }

            string labelText = match.Groups[2].Value;
            if (labels.All(l => labelText.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                return double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>Polls <paramref name="metric"/> until it equals <paramref name="expected"/>; fails with the auditor's output after <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(string metric, double expected, TimeSpan timeout, params (string Name, string Value)[] labels)
    {
        var watch = Stopwatch.StartNew();
        double? last = null;
        while (watch.Elapsed < timeout)
        {
            last = await ValueAsync(metric, labels);
            if (last == expected)
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{metric} stayed {last?.ToString(CultureInfo.InvariantCulture) ?? "absent"}, not {expected}, for {timeout}:\n{Output}");
    }

    /// <summary>Sends SIGTERM and waits for the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        Assert.Equal(0, Kill(_process.Id, 15));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Cairn auditor metrics on \S+:(\d+)")]
    private static partial Regex MetricsLine();

    [GeneratedRegex(@"^([a-z_]+)\{([^}]*)\} (\S+)$")]
    private static partial Regex SampleLine();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
