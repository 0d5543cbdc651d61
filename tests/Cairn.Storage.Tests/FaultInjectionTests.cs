// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using Cairn.Storage.Verify;

namespace Cairn.Storage.Tests;

/// <summary>
/// Storage faults under concurrent load: the error reaches the callers of the failed group, the database takes no
/// more writes, no acknowledged tx is lost (also when every unsynced write is undone, as by a power loss), and the
/// database reopens clean and verifies.
/// </summary>
public sealed class FaultInjectionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<Fault, int, string> Faults => new()
    {
        { Fault.FailWrite, 7, ".seg" },
        { Fault.FailSync, 5, ".seg" },
        { Fault.TearWrite, 9, ".seg" },
        { Fault.DiskFull, 6, ".seg" },
        { Fault.FailWrite, 4, "tx.loc" },
        { Fault.FailWrite, 3, "tree.aht" },
        { Fault.DiskFull, 1, ".seg" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_fault_fails_its_group_stops_writes_and_loses_no_acknowledged_tx(Fault fault, int nth, string file)
    {
        var device = new FaultyDevice(file);
        var acknowledged = new List<(ulong TxId, string Key)>();
        var failures = new List<StorageException>();
        using (var db = Database.Open(_folder.Path, new DatabaseOptions { Device = device, SegmentSize = 64 << 10 }))
        {
            // The fault is meant for a commit, not for the next segment the engine prepares in the background.
            await WaitForPreparedSegment(64 << 10);
            device.Arm(fault, nth, spaceLeft: 100);
            await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (int i = 0; i < 40; i++)
                {
                    string key = $"w{w}.{i}";
                    try
                    {
                        var header = await db.SetAsync([new KeyValue(Encoding.ASCII.GetBytes(key), Encoding.ASCII.GetBytes($"value of {key}"))], noWait: true);
                        lock (acknowledged)
                        {
                            acknowledged.Add((header.Id, key));
                        }
                    }
                    catch (StorageException e)
                    {
                        lock (failures)
                        {
                            failures.Add(e);
                        }
                    }
                }
            })));

            Assert.Equal(1, device.Fired);
            Assert.NotNull(db.Failure);
            Assert.NotEmpty(failures);
            Assert.All(failures, e => Assert.Equal(StorageErrorCode.DatabaseFailed, e.Code));
            Assert.Contains("injected", failures[0].Message, StringComparison.Ordinal);
            var late = await Assert.ThrowsAsync<StorageException>(() => db.SetAsync([new KeyValue("late"u8.ToArray(), "x"u8.ToArray())]));
            Assert.Equal(StorageErrorCode.DatabaseFailed, late.Code);
            device.LosePower();
        }

        await AssertAllPresent(acknowledged);
    }

    [Fact]
    public async Task A_power_loss_at_any_moment_loses_no_acknowledged_tx()
    {
        for (int round = 0; round < 8; round++)
        {
            var device = new FaultyDevice();
            var acknowledged = new List<(ulong TxId, string Key)>();
            var db = Database.Open(_folder.Path, new DatabaseOptions { Device = device, SegmentSize = 64 << 10 });
            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(30 + 25 * round));
            var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
            {
                for (int i = 0; !stop.IsCancellationRequested; i++)
                {
                    string key = $"r{round}.w{w}.{i}";
                    try
                    {
                        var header = await db.SetAsync([new KeyValue(Encoding.ASCII.GetBytes(key), Encoding.ASCII.GetBytes($"value of {key}"))], noWait: true);
                        lock (acknowledged)
                        {
                            acknowledged.Add((header.Id, key));
                        }
                    }
                    catch (StorageException)
                    {
                        return; // the power went out under this write: it was never acknowledged
                    }
                }
            })).ToArray();
            await Task.Delay(TimeSpan.FromMilliseconds(30 + 25 * round));
            device.LosePower();
            await Task.WhenAll(writers);
            db.Dispose();
            await AssertAllPresent(acknowledged);
        }
    }

    private async Task WaitForPreparedSegment(long segmentSize)
    {
        string next = Path.Combine(_folder.Path, "log", "00000002.seg");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(File.Exists(next) && new FileInfo(next).Length == segmentSize))
        {
            Assert.True(DateTime.UtcNow < deadline, "the engine did not prepare its next segment");
            await Task.Delay(10);
        }

        await Task.Delay(200); // its final fdatasync
    }

    private async Task AssertAllPresent(List<(ulong TxId, string Key)> acknowledged)
    {
        using (var db = Database.Open(_folder.Path, new DatabaseOptions { SegmentSize = 64 << 10 }))
        {
            foreach (var (txId, key) in acknowledged)
            {
                Assert.True(txId <= db.LastTxId, $"acknowledged tx {txId} is lost (log ends at {db.LastTxId})");
                var entry = await db.GetAsync(Encoding.ASCII.GetBytes(key));
                Assert.Equal(txId, entry.TxId);
                Assert.Equal($"value of {key}", Encoding.ASCII.GetString(entry.Value));
            }

            // The database takes writes again after reopening.
            await db.SetAsync([new KeyValue("after"u8.ToArray(), "reopen"u8.ToArray())]);
        }

        var report = DatabaseVerifier.Verify(_folder.Path);
        Assert.True(report.Ok, string.Join("; ", report.Problems.Select(DatabaseVerifier.Describe)));
    }
}
