// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Storage;

/// <summary>How a read waits for the index: for <see cref="SinceTx"/> if set, else for the last commit unless <see cref="NoWait"/>.</summary>
public abstract record IndexWait
{
    /// <summary>Wait until the index has applied this tx (0 = no particular tx).</summary>
    public ulong SinceTx { get; init; }

    /// <summary>Read the index as it is, without waiting.</summary>
    public bool NoWait { get; init; }
}

/// <summary>Options of a get (immudb's KeyRequest).</summary>
public sealed record GetOptions : IndexWait
{
    /// <summary>Read the value written in exactly this tx (0 = latest).</summary>
    public ulong AtTx { get; init; }

    /// <summary>Read this revision: positive from the first version, negative from the latest (−1 = the one before it), 0 = latest.</summary>
    public long AtRevision { get; init; }
}

/// <summary>Options of a history read.</summary>
public sealed record HistoryOptions : IndexWait
{
    /// <summary>Versions to skip from the start of the chosen order.</summary>
    public ulong Offset { get; init; }

    /// <summary>Most versions to return; 0 = the maximum.</summary>
    public int Limit { get; init; }

    /// <summary>Newest first.</summary>
    public bool Desc { get; init; }
}

/// <summary>Options of an ordered scan of the key-value space.</summary>
public sealed record ScanOptions : IndexWait
{
    /// <summary>Only keys starting with these bytes.</summary>
    public byte[] Prefix { get; init; } = [];

    /// <summary>Start after (or at, with <see cref="InclusiveSeek"/>) this key.</summary>
    public byte[]? SeekKey { get; init; }

    /// <summary>Stop before (or at, with <see cref="InclusiveEnd"/>) this key.</summary>
    public byte[]? EndKey { get; init; }

    /// <summary>Include <see cref="SeekKey"/> itself.</summary>
    public bool InclusiveSeek { get; init; }

    /// <summary>Include <see cref="EndKey"/> itself.</summary>
    public bool InclusiveEnd { get; init; }

    /// <summary>Descending key order.</summary>
    public bool Desc { get; init; }

    /// <summary>Most entries; 0 = the maximum.</summary>
    public int Limit { get; init; }

    /// <summary>Entries to skip first.</summary>
    public ulong Offset { get; init; }
}

/// <summary>Options of a sorted-set scan.</summary>
public sealed record ZScanOptions : IndexWait
{
    /// <summary>Start at this member (with <see cref="SeekScore"/> and <see cref="SeekAtTx"/>); null = the set's start (or end when descending).</summary>
    public byte[]? SeekKey { get; init; }

    /// <summary>Score of the seek position.</summary>
    public double SeekScore { get; init; }

    /// <summary>atTx of the seek position.</summary>
    public ulong SeekAtTx { get; init; }

    /// <summary>Include the seek position itself.</summary>
    public bool InclusiveSeek { get; init; }

    /// <summary>Lowest score returned.</summary>
    public double? MinScore { get; init; }

    /// <summary>Highest score returned.</summary>
    public double? MaxScore { get; init; }

    /// <summary>Descending order.</summary>
    public bool Desc { get; init; }

    /// <summary>Most members; 0 = the maximum.</summary>
    public int Limit { get; init; }

    /// <summary>Members to skip first.</summary>
    public ulong Offset { get; init; }
}
