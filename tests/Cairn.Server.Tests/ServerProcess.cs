// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>
/// The real <c>cairn serve</c> as a child process on a free loopback port, with a gRPC channel to it. Each
/// instance owns a temporary data folder unless given one (to restart over the same data).
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    public const string AdminPassword = "Adm1n!pass";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TempFolder? _ownedFolder;

    private ServerProcess(Process process, TempFolder? ownedFolder, string dataDirectory)
    {
        _process = process;
        _ownedFolder = ownedFolder;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    public int Port { get; private set; }

    /// <summary>The metrics port from the start-up log; null when it is off.</summary>
    public int? MetricsPort { get; private set; }

    public string Identity { get; private set; } = string.Empty;

    public GrpcChannel Channel { get; private set; } = null!;

    public Wire.ImmuService.ImmuServiceClient Client { get; private set; } = null!;

    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    public static string CairnDll => Path.Combine(AppContext.BaseDirectory, "cairn.dll");

    /// <summary>Starts a server; <paramref name="dataDirectory"/> null = a new temporary folder.</summary>
    public static async Task<ServerProcess> StartAsync(string? dataDirectory = null, IEnumerable<string>? arguments = null, IDictionary<string, string>? environment = null, string? adminPassword = AdminPassword)
    {
        var owned = dataDirectory is null ? new TempFolder() : null;
        string dir = dataDirectory ?? Path.Combine(owned!.Path, "data");
        var args = new List<string> { CairnDll, "serve", "--dir", dir };
        if (arguments is null || !arguments.Contains("--port"))
        {
            // A free port unless the test asks for one (e.g. to restart on the port a client already uses).
            args.AddRange(["--port", "0"]);
        }

        if (adminPassword is not null && (arguments is null || !arguments.Contains("--admin-password")))
        {
            args.AddRange(["--admin-password", adminPassword]);
        }

        // Every test server would otherwise want 9497, the default metrics port.
        if (arguments is null || !arguments.Contains("--metrics-port"))
        {
            args.AddRange(["--metrics-port", "0"]);
        }

        args.AddRange(arguments ?? []);
        var process = Launch(args, environment);
        var server = new ServerProcess(process, owned, dir);
        await server.WaitUntilListeningAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Runs <c>cairn</c> with <paramref name="arguments"/> to completion: exit code and all output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        using var process = Launch([CairnDll, .. arguments], environment, workingDirectory);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }

    private static Process Launch(IEnumerable<string> arguments, IDictionary<string, string>? environment, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };

        // The tests' own environment must not leak settings into the server.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("CAIRN_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private async Task WaitUntilListeningAsync()
    {
        var listening = new TaskCompletionSource<(int Port, string Identity)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                _output.Enqueue(line);
                if (MetricsLine().Match(line) is { Success: true } metrics)
                {
                    // Logged before the listening line, so it is known once the server counts as started.
                    MetricsPort = int.Parse(metrics.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                }

                var match = ListeningLine().Match(line);
                if (match.Success)
                {
                    listening.TrySetResult((int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value));
                }
                else if (ReadyWithoutGrpcLine().Match(line) is { Success: true } ready)
                {
                    listening.TrySetResult((0, ready.Groups[1].Value));
                }
            }

            listening.TrySetException(new InvalidOperationException("the server exited before listening:\n" + Output));
        });
        _ = Task.Run(async () =>
        {
            while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                _output.Enqueue(line);
            }
        });

        var (port, identity) = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        Port = port;
        Identity = identity;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 128 << 20,
            MaxSendMessageSize = 128 << 20,
        });
        Client = new Wire.ImmuService.ImmuServiceClient(Channel);
    }

    /// <summary>Logs in and selects <paramref name="database"/> (none when empty): the headers for later calls.</summary>
    public async Task<Metadata> LoginAsync(string user = "immudb", string password = AdminPassword, string database = "defaultdb")
    {
        var login = await Client.LoginAsync(new Wire.LoginRequest
        {
            User = Google.Protobuf.ByteString.CopyFromUtf8(user),
            Password = Google.Protobuf.ByteString.CopyFromUtf8(password),
        });
        var headers = new Metadata { { "authorization", "Bearer " + login.Token } };
        if (database.Length == 0)
        {
            return headers;
        }

        var use = await Client.UseDatabaseAsync(new Wire.Database { DatabaseName = database }, headers);
        return new Metadata { { "authorization", "Bearer " + use.Token } };
    }

    /// <summary>Sends a POSIX signal (e.g. 1, SIGHUP) to the server.</summary>
    public void SendSignal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill -{signal} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits until the server logged a line containing <paramref name="text"/> (at most 30 s).</summary>
    public async Task WaitForOutputAsync(string text, int occurrences = 1)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (_output.Count(l => l.Contains(text, StringComparison.Ordinal)) < occurrences)
        {
            await Task.Delay(50, timeout.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Sends SIGTERM and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan? timeout = null)
    {
        if (Kill(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill failed: errno {Marshal.GetLastPInvokeError()}");
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        if (!_process.HasExited)
        {
            try
            {
                await TerminateAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        _ownedFolder?.Dispose();
    }

    [GeneratedRegex(@"Cairn listening on \S+:(\d+) .*server id (\S+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Cairn ready without the gRPC front end .*server id (\S+)")]
    private static partial Regex ReadyWithoutGrpcLine();

    [GeneratedRegex(@"Cairn metrics on \S+:(\d+) ")]
    private static partial Regex MetricsLine();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>A temporary folder removed with everything in it.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cairn-server-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
