// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Storage.Verify;

/// <summary>Where verification found a problem: the file, the byte offset in it, and the tx concerned (0 when none).</summary>
/// <param name="File">Path of the file.</param>
/// <param name="Offset">Byte offset in the file.</param>
/// <param name="TxId">The transaction concerned, or 0.</param>
/// <param name="Message">What does not verify.</param>
/// <param name="Rebuildable">The file is derived from the log (locations, tree, index): reopening rebuilds it.</param>
public sealed record VerifyProblem(string File, long Offset, ulong TxId, string Message, bool Rebuildable);

/// <summary>How far verification got.</summary>
/// <param name="TxId">The last transaction checked.</param>
/// <param name="Entries">Entries checked so far.</param>
/// <param name="Bytes">Log bytes read so far.</param>
public readonly record struct VerifyProgress(ulong TxId, ulong Entries, long Bytes);

/// <summary>The outcome of <see cref="DatabaseVerifier.Verify"/>.</summary>
public sealed class VerifyReport
{
    /// <summary>Every problem found, the log's first (verification of the log stops there).</summary>
    public List<VerifyProblem> Problems { get; } = [];

    /// <summary>Transactions whose every hash was recomputed and matched.</summary>
    public ulong Transactions { get; internal set; }

    /// <summary>Entries whose value hash and digest were recomputed and matched.</summary>
    public ulong Entries { get; internal set; }

    /// <summary>Bytes of log read.</summary>
    public long Bytes { get; internal set; }

    /// <summary>Index entries checked against the log.</summary>
    public ulong IndexEntries { get; internal set; }

    /// <summary>The Alh of the last verified transaction.</summary>
    public Cairn.Verification.Digest LastAlh { get; internal set; }

    /// <summary>True when nothing, not even a derived file, is damaged.</summary>
    public bool Ok => Problems.Count == 0;

    /// <summary>The first problem in the log itself (data that cannot be rebuilt), if any.</summary>
    public VerifyProblem? FirstLogProblem => Problems.FirstOrDefault(p => !p.Rebuildable);
}
