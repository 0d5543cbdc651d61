// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage.Index;
using Cairn.Verification;

namespace Cairn.Storage;

public sealed partial class Database
{
    private const int EntryTreeCacheSize = 256;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, (TxMerkleTree Tree, List<byte[]> Keys)> _entryTrees = new();

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
        var (tree, keys) = EntryTree(txId);
        var wanted = storedKey.ToArray();
        int index = keys.FindIndex(k => ByteArrayComparer.Instance.Equals(k, wanted));
        if (index < 0)
        {
            throw StorageException.KeyNotFound();
        }

        return tree.ProveInclusion(index);
    }

    // Building a transaction's tree costs two hashes per entry; verified reads of one big tx reuse it.
    private (TxMerkleTree Tree, List<byte[]> Keys) EntryTree(ulong txId)
    {
        if (_entryTrees.TryGetValue(txId, out var cached))
        {
            return cached;
        }

        var tx = ReadTx(txId);
        var built = (TxMerkleTree.ForEntries([.. tx.Entries.Select(e => e.ToTxEntry())], tx.Header.Version), tx.Entries.Select(e => e.StoredKey).ToList());
        if (_entryTrees.Count >= EntryTreeCacheSize)
        {
            _entryTrees.Clear();
        }

        _entryTrees[txId] = built;
        return built;
    }

    /// <summary>Reads headers for the proof builder.</summary>
    private sealed class HeaderSource(Database database) : ITxHeaderSource
    {
        public TxHeader GetHeader(ulong txId) => database.ReadHeader(txId);
    }
}
