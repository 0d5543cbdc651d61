// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Wire = Cairn.Protocol.Immudb;

// What the audit trail costs data writes through the whole server: for each number of concurrent writers, real
// `cairn serve` processes with the trail off, on, and on with the JSON-lines file take turns; each run counts the
// single-key `Set` calls (16-byte random key, 100-byte value) acknowledged over gRPC in the window. Ratios are
// against "off" in the same run. The warm-up is long (5 s) because a fresh server is still compiling its hot paths
// (tiered JIT) for several seconds under load, more of them with the trail on.
var options = BenchOptions.Parse(args);
Console.WriteLine($"# Cairn server benchmark  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  seconds={options.Seconds} warmup={options.Warmup} runs={options.Runs} (median)  cores={Environment.ProcessorCount}");
Console.WriteLine("# ops/s = Set calls acknowledged per second; vs off = ops/s over audit off in the same run; server CPU = server process CPU (user+sys) per op");
Console.WriteLine($"{"writers",7} {"mode",-14} {"ops/s",10} {"vs off",7} {"server CPU us/op",17} {"min..max ops/s",22}");
string[] modes = ["off", "on", "on + file"];
foreach (int writers in options.Writers)
{
    var results = modes.ToDictionary(m => m, _ => new List<(double Ops, double CpuPerOp)>());
    for (int run = 0; run < options.Runs; run++)
    {
        // Rotate the order so drift in the machine's load does not always favour the same mode.
        for (int i = 0; i < modes.Length; i++)
        {
            string mode = modes[(i + run) % modes.Length];
            results[mode].Add(await ServerRun.MeasureAsync(options, mode, writers));
        }
    }

    double offMedian = Median(results["off"].Select(r => r.Ops));
    foreach (string mode in modes)
    {
        var ops = results[mode].Select(r => r.Ops).ToList();
        double median = Median(ops);
        string ratio = mode == "off" ? "-" : (median / offMedian).ToString("0.00", CultureInfo.InvariantCulture);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{writers,7} {mode,-14} {median,10:N0} {ratio,7} {Median(results[mode].Select(r => r.CpuPerOp)),17:N1} {$"{ops.Min():N0}..{ops.Max():N0}",22}"));
    }
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

/// <summary>Command-line options.</summary>
internal sealed record BenchOptions(int[] Writers, double Seconds, double Warmup, int Runs)
{
    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions([1, 8, 64], 5, 5, 3);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            options = args[i] switch
            {
                "--writers" => options with { Writers = [.. value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] },
                "--seconds" => options with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--warmup" => options with { Warmup = double.Parse(value, CultureInfo.InvariantCulture) },
                "--runs" => options with { Runs = int.Parse(value, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {args[i]} (--writers 1,8,64 --seconds 5 --warmup 5 --runs 3)"),
            };
        }

        return options;
    }
}

/// <summary>One server process, one mode, one window.</summary>
internal static partial class ServerRun
{
    private const string Password = "B3nch!mark";

    public static async Task<(double Ops, double CpuPerOp)> MeasureAsync(BenchOptions options, string mode, int writers)
    {
        string folder = Path.Combine(Path.GetTempPath(), "cairn-serverbench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var arguments = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "cairn.dll"), "serve", "--dir", Path.Combine(folder, "data"), "--port", "0",
            "--metrics-port", "off", "--admin-password", Password, "--audit", mode == "off" ? "off" : "on",
        };
        if (mode == "on + file")
        {
            arguments.AddRange(["--audit-log", Path.Combine(folder, "audit.jsonl")]);
        }

        using var process = Process.Start(new ProcessStartInfo("dotnet", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("dotnet did not start");
        try
        {
            int port = await PortAsync(process);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
            });
            var client = new Wire.ImmuService.ImmuServiceClient(channel);
            var login = await client.LoginAsync(new Wire.LoginRequest { User = ByteString.CopyFromUtf8("immudb"), Password = ByteString.CopyFromUtf8(Password) });
            var use = await client.UseDatabaseAsync(new Wire.Database { DatabaseName = "defaultdb" }, new Metadata { { "authorization", "Bearer " + login.Token } });
            var headers = new Metadata { { "authorization", "Bearer " + use.Token } };

            long counted = 0;
            bool counting = false;
            using var stop = new CancellationTokenSource();
            var tasks = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
            {
                byte[] key = new byte[16];
                byte[] value = new byte[100];
                Random.Shared.NextBytes(value);
                while (!stop.IsCancellationRequested)
                {
                    Random.Shared.NextBytes(key);
                    await client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = ByteString.CopyFrom(key), Value = ByteString.CopyFrom(value) } } }, headers);
                    if (Volatile.Read(ref counting))
                    {
                        Interlocked.Increment(ref counted);
                    }
                }
            })).ToList();

            await Task.Delay(TimeSpan.FromSeconds(options.Warmup));
            var cpuBefore = CpuSeconds(process.Id);
            var clock = Stopwatch.StartNew();
            Volatile.Write(ref counting, true);
            await Task.Delay(TimeSpan.FromSeconds(options.Seconds));
            Volatile.Write(ref counting, false);
            double elapsed = clock.Elapsed.TotalSeconds;
            var cpuAfter = CpuSeconds(process.Id);
            long ops = Interlocked.Read(ref counted);
            await stop.CancelAsync();
            await Task.WhenAll(tasks);
            return (ops / elapsed, ops == 0 ? 0 : (cpuAfter - cpuBefore) * 1e6 / ops);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(folder, recursive: true);
        }
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

    // utime + stime of a process, from /proc (clock ticks of 1/100 s on Linux).
    private static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    [GeneratedRegex(@"Cairn listening on \S+:(\d+) ")]
    private static partial Regex Listening();
}
