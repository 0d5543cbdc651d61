// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;
using System.Text;
using Cairn.Storage.CrashWriter;
using Cairn.Storage.Verify;

namespace Cairn.Storage.Tests;

/// <summary>
/// A child process writes from several threads and prints each tx once its commit returned; the test kills it with
/// SIGKILL at random moments, reopens the database and checks that every printed tx is there with its exact content
/// and that Verify passes. 50 cycles by default; CAIRN_CRASH_CYCLES sets more (or CAIRN_SLOW=1 runs 500).
/// </summary>
public sealed class CrashTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static int Cycles =>
        int.TryParse(Environment.GetEnvironmentVariable("CAIRN_CRASH_CYCLES"), out int n) && n > 0 ? n
        : Environment.GetEnvironmentVariable("CAIRN_SLOW") == "1" ? 500 : 50;

    [Fact]
    public async Task Every_acknowledged_tx_survives_SIGKILL_and_the_log_verifies()
    {
        var random = new Random(7);
        string writer = Path.Combine(AppContext.BaseDirectory, "Cairn.Storage.CrashWriter.dll");
        Assert.True(File.Exists(writer), $"{writer} is built with the tests");
        long acknowledged = 0;
        ulong lastTxId = 0;
        ulong sharedVersions = 0;
        for (int cycle = 0; cycle < Cycles; cycle++)
        {
            var acks = await RunAndKill(writer, $"c{cycle}", random.Next(20, 400));
            acknowledged += acks.Count;
            using (var db = Database.Open(_folder.Path, new DatabaseOptions { SegmentSize = 256 << 10 }))
            {
                Assert.True(db.LastTxId >= lastTxId, $"cycle {cycle}: the log went back from tx {lastTxId} to {db.LastTxId}");

                // The shared key's revision must count exactly the txs in the log that wrote it: replaying the index
                // after the kill neither loses a version nor applies one twice.
                ulong lastShared = 0;
                for (ulong id = lastTxId + 1; id <= db.LastTxId; id++)
                {
                    if (db.ReadTx(id).Entries.Any(e => e.StoredKey.AsSpan(1).SequenceEqual(SharedKey)))
                    {
                        sharedVersions++;
                        lastShared = id;
                    }
                }

                if (sharedVersions > 0)
                {
                    var shared = await db.GetAsync(SharedKey);
                    Assert.Equal(sharedVersions, shared.Revision);
                    Assert.True(lastShared == 0 || shared.TxId == lastShared, $"cycle {cycle}: the shared key's latest version is from tx {shared.TxId}, the log's last from {lastShared}");
                    Assert.Equal(shared.TxId, (await db.GetAsync(SharedKey, new GetOptions { AtRevision = (long)sharedVersions })).TxId);
                }

                foreach (var (txId, keys) in acks)
                {
                    Assert.True(txId <= db.LastTxId, $"cycle {cycle}: acknowledged tx {txId} is missing (log ends at {db.LastTxId})");
                    var tx = db.ReadTx(txId, withValues: true);
                    Assert.Equal(keys.Length, tx.Entries.Count);
                    for (int k = 0; k < keys.Length; k++)
                    {
                        Assert.Equal(Encoding.ASCII.GetBytes(keys[k]), tx.Entries[k].StoredKey[1..]);
                        byte[] expected = CrashWorkload.ValueOf(keys[k]);
                        Assert.Equal(expected, tx.Entries[k].StoredValue![1..]);
                        Assert.Equal(expected, (await db.GetAsync(Encoding.ASCII.GetBytes(keys[k]))).Value);
                    }
                }

                lastTxId = db.LastTxId;
            }

            if (cycle % 10 == 9 || cycle == Cycles - 1)
            {
                var report = DatabaseVerifier.Verify(_folder.Path);
                Assert.True(report.Ok, $"cycle {cycle}: " + string.Join("; ", report.Problems.Select(DatabaseVerifier.Describe)));
                Assert.Equal(lastTxId, report.Transactions);
            }
        }

        Assert.True(acknowledged > Cycles, $"the writer must acknowledge txs before it is killed ({acknowledged} in {Cycles} cycles)");
    }

    private static byte[] SharedKey => Encoding.ASCII.GetBytes(CrashWorkload.SharedKey);

    private async Task<List<(ulong TxId, string[] Keys)>> RunAndKill(string writer, string run, int killAfterMs)
    {
        var start = new ProcessStartInfo("dotnet", [writer, _folder.Path, run, "4"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var acks = new List<(ulong, string[])>();
        var ready = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("READY", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
                else if (line.StartsWith("ACK ", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ');
                    if (parts.Length == 3)
                    {
                        lock (acks)
                        {
                            acks.Add((ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2].Split(',')));
                        }
                    }
                }
            }
        });
        var stderr = process.StandardError.ReadToEndAsync();
        var started = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(ready.Task.IsCompleted, $"the writer did not start: {(process.HasExited ? await stderr : "timeout")}");
        await Task.Delay(killAfterMs);
        process.Kill(); // SIGKILL: no finalizers, no flush, no clean close
        await process.WaitForExitAsync();
        await reading;
        lock (acks)
        {
            // A line cut by the kill is not an acknowledgement the test can rely on; complete lines are.
            return [.. acks];
        }
    }
}
