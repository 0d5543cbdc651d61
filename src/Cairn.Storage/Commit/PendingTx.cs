// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage.Format;
using Cairn.Verification;

namespace Cairn.Storage.Commit;

/// <summary>
/// A transaction waiting for the committer. Stateless ones arrive with their entries, digests and eH already
/// computed on the caller's thread, so the committer only chains and writes. Ones whose validity depends on the
/// current state (preconditions, references, sorted sets, deletes) are resolved by the committer against an index
/// that has caught up with every earlier commit.
/// </summary>
internal sealed class PendingTx
{
    public PendingTx(IReadOnlyList<Operation> operations, IReadOnlyList<Precondition> preconditions, TxMetadata? txMetadata = null)
    {
        Operations = operations;
        Preconditions = preconditions;
        TxMetadata = txMetadata is { IsEmpty: false } ? txMetadata : null;
        TxMetadataBytes = TxMetadata?.ToBytes() ?? [];
    }

    public IReadOnlyList<Operation> Operations { get; }

    public IReadOnlyList<Precondition> Preconditions { get; }

    /// <summary>The header metadata (e.g. provenance in <c>extra</c>); any makes the tx a version-1 tx.</summary>
    public TxMetadata? TxMetadata { get; }

    public byte[] TxMetadataBytes { get; }

    /// <summary>True when the committer must check the tx against the current state before it commits.</summary>
    public bool NeedsState { get; init; }

    public PreparedEntry[] Entries { get; set; } = [];

    public int HeaderVersion { get; set; }

    public Digest EntriesHash { get; set; }

    public int RecordSize { get; set; }

    public TaskCompletionSource<TxHeader> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Computes version, digests, eH and size from <see cref="Entries"/>.</summary>
    public void Seal()
    {
        HeaderVersion = TxMetadata is not null || Entries.Any(e => e.Metadata is not null) ? TxHeader.Version1 : TxHeader.Version0;
        var digests = new Digest[Entries.Length];
        for (int i = 0; i < digests.Length; i++)
        {
            digests[i] = Entries[i].DigestFor(HeaderVersion);
        }

        EntriesHash = TxMerkleTree.ComputeRoot(digests);
        RecordSize = checked((int)TxRecord.SizeOf(Entries, TxMetadataBytes.Length));
    }
}
