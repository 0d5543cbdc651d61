// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage.Devices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Storage;

/// <summary>How a database is opened and the limits it enforces. Defaults follow immudb's.</summary>
public sealed record DatabaseOptions
{
    /// <summary>The name reported in states (immudb's database name).</summary>
    public string Name { get; init; } = "defaultdb";

    /// <summary>Create the folder and a new database when none exists (default true).</summary>
    public bool CreateIfMissing { get; init; } = true;

    /// <summary>Size of a log segment; each is zero-filled when created. Default 64 MiB.</summary>
    public long SegmentSize { get; init; } = 64L << 20;

    /// <summary>Longest stored key (user key + 1 key-space byte). Default 1024, as immudb.</summary>
    public int MaxKeyLength { get; init; } = 1024;

    /// <summary>Longest stored value (user value + 1 prefix byte). Default 32 MiB, as immudb's server.</summary>
    public int MaxValueLength { get; init; } = 32 << 20;

    /// <summary>Most entries in one transaction. Default 1024, as immudb.</summary>
    public int MaxTxEntries { get; init; } = 1024;

    /// <summary>Largest encoded transaction record. Default 64 MiB.</summary>
    public int MaxTxBytes { get; init; } = 64 << 20;

    /// <summary>Most results of one scan, history or tx scan. Default 1000, as immudb 1.1.</summary>
    public int MaxScanLimit { get; init; } = 1000;

    /// <summary>How long a read may wait for the index to reach a tx. Default 30 s.</summary>
    public TimeSpan IndexWaitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most entries committed but not yet in the key index. Beyond it the committer waits for the index, so writes
    /// that do not wait for it (noWait) go at the index's pace instead of leaving it ever further behind. Default
    /// 100,000 (a fraction of a second of indexing).
    /// </summary>
    public int MaxIndexLag { get; init; } = 100_000;

    /// <summary>
    /// How long the indexer lets committed writes pile up before it applies them while nobody waits for them to be
    /// indexed. It starts at once when someone waits (a write or read that needs its tx indexed, a precondition) or
    /// when half of <see cref="MaxIndexLag"/> entries are pending. Large batches cost the index much less per entry;
    /// writes and reads that wait for the index are not delayed, reads that do not (noWait) may find it this much
    /// further behind. Default 100 ms; zero applies each commit group as soon as the indexer is free.
    /// </summary>
    public TimeSpan IndexBatchDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Called by the indexer before it applies each batch; tests use it to hold the index back.</summary>
    internal Action? BeforeIndexBatch { get; init; }

    /// <summary>Discard the key index and rebuild it from the log while opening (after Verify reported index damage).</summary>
    public bool RebuildIndex { get; init; }

    /// <summary>Where every byte goes; tests put a faulty device here.</summary>
    public IStorageDevice Device { get; init; } = FileStorageDevice.Instance;

    /// <summary>Where the engine logs recovery, rebuilds and failures.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Told about every commit group (metrics); null for none.</summary>
    public ICommitObserver? CommitObserver { get; init; }

    /// <summary>The clock for commit timestamps (Unix seconds) and expirations.</summary>
    public Func<long> UnixTimeSeconds { get; init; } = () => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
