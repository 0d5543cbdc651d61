// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;

namespace Cairn.LoadGen;

/// <summary>Counts sync calls (fdatasync, fsync of files and folders) and the wall time spent in them.</summary>
internal sealed class SyncCounter
{
    private long _count;
    private long _ticks;

    public long Count => Interlocked.Read(ref _count);

    public double Seconds => Interlocked.Read(ref _ticks) / (double)Stopwatch.Frequency;

    /// <summary>Runs <paramref name="sync"/> and counts it.</summary>
    public void Time(Action sync)
    {
        ArgumentNullException.ThrowIfNull(sync);
        long start = Stopwatch.GetTimestamp();
        sync();
        Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - start);
        Interlocked.Increment(ref _count);
    }
}
