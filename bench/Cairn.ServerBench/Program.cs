// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Wire = Cairn.Protocol.Immudb;

// What the audit trail costs data writes through the whole server. Three real `cairn serve` processes run at once:
// audit off, on, and on with the JSON-lines file. For each number of concurrent writers the client drives them in
// turn, a short slice each (single-key `Set`, 16-byte random key, 100-byte value, acknowledged over gRPC), until each
// had --seconds of load; the machine's drift (disk latency, other tenants) then falls on every mode alike, which
// separate runs one after another did not achieve (identical servers differed by up to 15%). Ratios are against
// "off"; server CPU is each process's user + system time over the whole measurement divided by its acknowledged
// calls, so work a server defers past its slice (the trail's batches) is still counted against it.
var options = BenchOptions.Parse(args);
Console.WriteLine($"# Cairn server benchmark  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  seconds={options.Seconds} slice={options.Slice} warmup={options.Warmup}  cores={Environment.ProcessorCount}  server args: {string.Join(' ', options.ServerArguments)}");
Console.WriteLine("# ops/s = Set calls acknowledged per second of load; vs off = over audit off; server CPU = server process CPU (user+sys) per op; slices = min..max ops/s of single slices");
Console.WriteLine("# rounds = the ratio to off within each round (every mode one slice, back to back): median (quartiles); steadier than the totals when the machine's speed drifts");
Console.WriteLine($"{"writers",7} {"mode",-14} {"ops/s",10} {"vs off",7} {"rounds",18} {"server CPU us/op",17} {"slices ops/s",22}");
string[] modes = options.Modes;
var servers = new List<BenchServer>();
try
{
    foreach (string mode in modes)
    {
        servers.Add(await BenchServer.StartAsync(mode, options.ServerArguments));
        Console.WriteLine($"# {mode}: pid {servers[^1].ProcessId}");
    }

    foreach (int writers in options.Writers)
    {
        foreach (var server in servers)
        {
            await server.DriveAsync(writers, options.Warmup);
        }

        var measured = servers.ToDictionary(s => s.Mode, _ => new Measured());
        foreach (var server in servers)
        {
            measured[server.Mode].CpuBefore = server.CpuSeconds();
        }

        int slices = Math.Max(1, (int)Math.Round(options.Seconds / options.Slice));
        for (int slice = 0; slice < slices; slice++)
        {
            // Rotate the order so that no mode always follows the same one.
            for (int i = 0; i < servers.Count; i++)
            {
                var server = servers[(i + slice) % servers.Count];
                var (ops, seconds) = await server.DriveAsync(writers, options.Slice);
                var m = measured[server.Mode];
                m.Ops += ops;
                m.Seconds += seconds;
                m.Slices.Add(ops / seconds);
            }
        }

        // Let the trail's last batches land before the CPU is read.
        await Task.Delay(500);
        foreach (var server in servers)
        {
            measured[server.Mode].CpuAfter = server.CpuSeconds();
        }

        double offRate = measured.TryGetValue("off", out var off) ? off.Rate : double.NaN;
        foreach (string mode in modes)
        {
            var m = measured[mode];
            string ratio = mode == "off" ? "-" : (m.Rate / offRate).ToString("0.00", CultureInfo.InvariantCulture);
            string rounds = mode == "off" || off is null ? "-" : RoundRatios(m, off);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{writers,7} {mode,-14} {m.Rate,10:N0} {ratio,7} {rounds,18} {(m.CpuAfter - m.CpuBefore) * 1e6 / Math.Max(1, m.Ops),17:N1} {$"{m.Slices.Min():N0}..{m.Slices.Max():N0}",22}"));
        }
    }
}
finally
{
    foreach (var server in servers)
    {
        await server.DisposeAsync();
    }
}

// The median and quartiles of the per-round ratios of a mode's slice to off's slice of the same round.
static string RoundRatios(Measured mode, Measured off)
{
    var ratios = mode.Slices.Zip(off.Slices, (m, o) => m / o).Order().ToList();
    double At(double q) => ratios[(int)Math.Round(q * (ratios.Count - 1))];
    return string.Create(CultureInfo.InvariantCulture, $"{At(0.5):0.00} ({At(0.25):0.00}-{At(0.75):0.00})");
}

/// <summary>What one mode got over the slices of one writers count.</summary>
internal sealed class Measured
{
    public long Ops { get; set; }

    public double Seconds { get; set; }

    public double CpuBefore { get; set; }

    public double CpuAfter { get; set; }

    public List<double> Slices { get; } = [];

    public double Rate => Seconds == 0 ? 0 : Ops / Seconds;
}

/// <summary>Command-line options.</summary>
internal sealed record BenchOptions(int[] Writers, double Seconds, double Slice, double Warmup, string[] ServerArguments, string[] Modes)
{
    private static readonly string[] AllModes = ["off", "on", "on + file"];

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions([1, 8, 64], 30, 2, 5, [], AllModes);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            options = args[i] switch
            {
                "--writers" => options with { Writers = [.. value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] },
                "--seconds" => options with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--slice" => options with { Slice = double.Parse(value, CultureInfo.InvariantCulture) },
                "--warmup" => options with { Warmup = double.Parse(value, CultureInfo.InvariantCulture) },
                "--server-args" => options with { ServerArguments = value.Split(' ', StringSplitOptions.RemoveEmptyEntries) },
                "--modes" => options with { Modes = [.. value.Split(',').Select(ModeNamed)] },
                _ => throw new ArgumentException($"unknown option {args[i]} (--writers 1,8,64 --seconds 30 --slice 2 --warmup 5 --modes off,on,file --server-args \"--audit-batch-delay 50ms\")"),
            };
        }

        return options;
    }

    // "file" stands for "on + file" on the command line.
    private static string ModeNamed(string name) => name == "file" ? AllModes[2] : AllModes.Contains(name) ? name : throw new ArgumentException($"unknown mode {name} (off, on, file)");
}

/// <summary>One `cairn serve` process in one mode, its gRPC client logged in to defaultdb.</summary>
internal sealed partial class BenchServer : IAsyncDisposable
{
    private const string Password = "B3nch!mark";
    private readonly Process _process;
    private readonly string _folder;
    private GrpcChannel? _channel;
    private Wire.ImmuService.ImmuServiceClient? _client;
    private Metadata? _headers;

    private BenchServer(string mode, Process process, string folder)
    {
        Mode = mode;
        _process = process;
        _folder = folder;
    }

    public string Mode { get; }

    public int ProcessId => _process.Id;

    public static async Task<BenchServer> StartAsync(string mode, string[] serverArguments)
    {
        string folder = Path.Combine(Path.GetTempPath(), "cairn-serverbench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var arguments = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "cairn.dll"), "serve", "--dir", Path.Combine(folder, "data"), "--port", "0",
            "--metrics-port", "off", "--admin-password", Password, "--audit", mode == "off" ? "off" : "on",
        };
        arguments.AddRange(serverArguments);
        if (mode == "on + file")
        {
            arguments.AddRange(["--audit-log", Path.Combine(folder, "audit.jsonl")]);
        }

        var process = Process.Start(new ProcessStartInfo("dotnet", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("dotnet did not start");
        var server = new BenchServer(mode, process, folder);
        int port = await PortAsync(process);
        server._channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        server._client = new Wire.ImmuService.ImmuServiceClient(server._channel);
        var login = await server._client.LoginAsync(new Wire.LoginRequest { User = ByteString.CopyFromUtf8("immudb"), Password = ByteString.CopyFromUtf8(Password) });
        var use = await server._client.UseDatabaseAsync(new Wire.Database { DatabaseName = "defaultdb" }, new Metadata { { "authorization", "Bearer " + login.Token } });
        server._headers = new Metadata { { "authorization", "Bearer " + use.Token } };
        return server;
    }

    /// <summary>Drives <paramref name="writers"/> concurrent writers for <paramref name="seconds"/>; the calls acknowledged in that time.</summary>
    public async Task<(long Ops, double Seconds)> DriveAsync(int writers, double seconds)
    {
        long counted = 0;
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            byte[] key = new byte[16];
            byte[] value = new byte[100];
            Random.Shared.NextBytes(value);
            while (!stop.IsCancellationRequested)
            {
                Random.Shared.NextBytes(key);
                await _client!.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = ByteString.CopyFrom(key), Value = ByteString.CopyFrom(value) } } }, _headers);
                Interlocked.Increment(ref counted);
            }
        })).ToList();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        await stop.CancelAsync();
        await Task.WhenAll(tasks);
        return (Interlocked.Read(ref counted), clock.Elapsed.TotalSeconds);
    }

    // utime + stime of the process, from /proc (clock ticks of 1/100 s on Linux).
    public double CpuSeconds()
    {
        string stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static async Task<int> PortAsync(Process process)
    {
        _ = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is not null)
            {
            }
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (Listening().Match(line) is { Success: true } match)
            {
                int port = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);

                // Keep draining its output so the server never blocks on a full pipe.
                _ = Task.Run(async () =>
                {
                    while (await process.StandardOutput.ReadLineAsync() is not null)
                    {
                    }
                });
                return port;
            }
        }

        throw new InvalidOperationException("the server exited before listening");
    }

    [GeneratedRegex(@"Cairn listening on \S+:(\d+) ")]
    private static partial Regex Listening();
}
