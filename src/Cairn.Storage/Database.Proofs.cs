// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;

namespace Cairn.Storage;

public sealed partial class Database
{
    /// <summary>The dual proof that tx <paramref name="targetTxId"/> extends tx <paramref name="sourceTxId"/> (source ≤ target ≤ last).</summary>
    public DualProof ProveDual(ulong sourceTxId, ulong targetTxId)
    {
        if (sourceTxId == 0 || sourceTxId > targetTxId)
        {
            throw StorageException.IllegalArguments($"a dual proof needs 1 ≤ source ≤ target, got {sourceTxId} → {targetTxId}");
        }

        if (targetTxId > LastTxId)
        {
            throw new StorageException(StorageErrorCode.IllegalState, "illegal state");
        }

        return ProofBuilder.Dual(new HeaderSource(this), _tree, sourceTxId, targetTxId);
    }

    /// <summary>The proof that the entry with <paramref name="storedKey"/> is in tx <paramref name="txId"/>.</summary>
    /// <exception cref="StorageException">The tx does not hold that key.</exception>
    public EntryInclusionProof ProveEntry(ulong txId, ReadOnlySpan<byte> storedKey)
    {
        var tx = ReadTx(txId);
        int index = -1;
        for (int i = 0; i < tx.Entries.Count; i++)
        {
            if (tx.Entries[i].StoredKey.AsSpan().SequenceEqual(storedKey))
            {
                index = i;
                break;
            }
        }

        if (index < 0)
        {
            throw StorageException.KeyNotFound();
        }

        return TxMerkleTree.ForEntries([.. tx.Entries.Select(e => e.ToTxEntry())], tx.Header.Version).ProveInclusion(index);
    }

    /// <summary>Reads headers for the proof builder.</summary>
    private sealed class HeaderSource(Database database) : ITxHeaderSource
    {
        public TxHeader GetHeader(ulong txId) => database.ReadHeader(txId);
    }
}
