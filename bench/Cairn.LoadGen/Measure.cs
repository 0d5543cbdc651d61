// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using System.Diagnostics;
using Cairn.Storage;

namespace Cairn.LoadGen;

/// <summary>One timed window: operations, entries, syncs and process CPU time over the elapsed seconds.</summary>
internal sealed record Measurement(double Seconds, long Ops, long Entries, long Syncs, double SyncSeconds, double CpuSeconds, double WriterCpuSeconds, double IndexCpuSeconds)
{
    /// <summary>Transactions committed but not yet indexed when the measured window ended.</summary>
    public long IndexLagAtEnd { get; init; }

    public double OpsPerSecond => Ops / Seconds;

    public double EntriesPerSecond => Entries / Seconds;

    public double SyncsPerSecond => Syncs / Seconds;

    /// <summary>Mean wall time of one sync call.</summary>
    public double MillisPerSync => Syncs == 0 ? 0 : SyncSeconds * 1e3 / Syncs;

    /// <summary>Process CPU time (every thread: callers, committer, indexer, GC) per operation.</summary>
    public double CpuMicrosPerOp => Ops == 0 ? 0 : CpuSeconds * 1e6 / Ops;

    /// <summary>CPU time of the single writer thread (committer) per operation.</summary>
    public double WriterMicrosPerOp => Ops == 0 ? 0 : WriterCpuSeconds * 1e6 / Ops;

    /// <summary>CPU time of the engine's indexer and RocksDB's threads per operation.</summary>
    public double IndexMicrosPerOp => Ops == 0 ? 0 : IndexCpuSeconds * 1e6 / Ops;

    /// <summary>Operations per second of CPU time: the rate one fully busy core would give.</summary>
    public double OpsPerCoreSecond => CpuSeconds <= 0 ? 0 : Ops / CpuSeconds;
}

/// <summary>Keys, values and the timed loops every workload uses.</summary>
internal static class Measure
{
    public const int KeyLength = 16;
    public const int ValueLength = 100;

    // 1024 random values; a key's value is picked by its first two bytes, so a read can be checked.
    private static readonly byte[][] Values = MakeValues();

    public static byte[] ValueFor(ReadOnlySpan<byte> key) => Values[BinaryPrimitives.ReadUInt16LittleEndian(key) & 1023];

    /// <summary>A transaction of <paramref name="count"/> random 16-byte keys with their 100-byte values.</summary>
    public static KeyValue[] RandomTx(Random random, int count)
    {
        var entries = new KeyValue[count];
        for (int i = 0; i < count; i++)
        {
            var key = new byte[KeyLength];
            random.NextBytes(key);
            entries[i] = new KeyValue(key, ValueFor(key));
        }

        return entries;
    }

    /// <summary>
    /// <paramref name="writers"/> concurrent asynchronous writers commit transactions of <paramref name="entriesPerTx"/>
    /// random entries back to back; each waits for its commit before the next. Counted after a warm-up.
    /// </summary>
    public static async Task<Measurement> WritesAsync(ITarget target, int writers, int entriesPerTx, TimeSpan warmup, TimeSpan duration, int seed)
    {
        var shared = new Shared();
        var tasks = new Task[writers];
        for (int w = 0; w < writers; w++)
        {
            var random = new Random(seed * 1000 + w);
            tasks[w] = Task.Run(() => WriterAsync(target, entriesPerTx, random, shared));
        }

        await Task.Delay(warmup).ConfigureAwait(false);
        var start = Snap(Interlocked.Read(ref shared.Count), target);
        await Task.Delay(duration).ConfigureAwait(false);
        var end = Snap(Interlocked.Read(ref shared.Count), target);
        long lag = target.IndexLag;
        shared.Stop = true;
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return Between(start, end, entriesPerTx) with { IndexLagAtEnd = lag };
    }

    /// <summary>
    /// <paramref name="threads"/> dedicated threads call <paramref name="operation"/> back to back, each with its own
    /// random source (seeded by thread). Counted after a warm-up.
    /// </summary>
    public static Measurement Loop(int threads, Action<Random> operation, SyncCounter syncs, TimeSpan warmup, TimeSpan duration, int seed)
    {
        const int Stride = 16; // one counter per cache line
        var counts = new long[threads * Stride];
        var shared = new Shared();
        Exception? failure = null;
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int slot = t * Stride;
            var random = new Random(seed * 1000 + t);
            workers[t] = new Thread(() =>
            {
                try
                {
                    long done = 0;
                    while (!shared.Stop)
                    {
                        for (int k = 0; k < 32; k++)
                        {
                            operation(random);
                        }

                        done += 32;
                        Volatile.Write(ref counts[slot], done);
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    shared.Stop = true;
                }
            })
            { IsBackground = true, Name = $"load-{t}" };
        }

        foreach (var worker in workers)
        {
            worker.Start();
        }

        long Sum()
        {
            long total = 0;
            for (int i = 0; i < counts.Length; i += Stride)
            {
                total += Volatile.Read(ref counts[i]);
            }

            return total;
        }

        Thread.Sleep(warmup);
        var start = Snap(Sum(), syncs);
        Thread.Sleep(duration);
        var end = Snap(Sum(), syncs);
        shared.Stop = true;
        foreach (var worker in workers)
        {
            worker.Join();
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"a load thread failed: {failure.Message}", failure);
        }

        return Between(start, end, 1);
    }

    private static async Task WriterAsync(ITarget target, int entriesPerTx, Random random, Shared shared)
    {
        while (!shared.Stop)
        {
            await target.CommitAsync(RandomTx(random, entriesPerTx)).ConfigureAwait(false);
            Interlocked.Increment(ref shared.Count);
        }
    }

    private static Snapshot Snap(long count, ITarget target) => Snap(count, target.Syncs);

    private static Snapshot Snap(long count, SyncCounter syncs)
    {
        using var process = Process.GetCurrentProcess();
        var (writer, index) = ThreadCpu.Sample();
        return new Snapshot(Stopwatch.GetTimestamp(), count, syncs.Count, syncs.Seconds, process.TotalProcessorTime.TotalSeconds, writer, index);
    }

    private static Measurement Between(Snapshot start, Snapshot end, int entriesPerOp)
    {
        long ops = end.Count - start.Count;
        return new Measurement(
            Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds,
            ops,
            ops * entriesPerOp,
            end.Syncs - start.Syncs,
            end.SyncSeconds - start.SyncSeconds,
            end.CpuSeconds - start.CpuSeconds,
            end.WriterCpuSeconds - start.WriterCpuSeconds,
            end.IndexCpuSeconds - start.IndexCpuSeconds);
    }

    private static byte[][] MakeValues()
    {
        var random = new Random(42);
        var values = new byte[1024][];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = new byte[ValueLength];
            random.NextBytes(values[i]);
        }

        return values;
    }

    private readonly record struct Snapshot(long Timestamp, long Count, long Syncs, double SyncSeconds, double CpuSeconds, double WriterCpuSeconds, double IndexCpuSeconds);

    // Plain fields: Interlocked and volatile need them.
    private sealed class Shared
    {
        public long Count;
        public volatile bool Stop;
    }
}
