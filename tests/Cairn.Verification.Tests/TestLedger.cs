// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification.Tests;

/// <summary>
/// An in-memory ledger built the way immudb-format §1.9 commits: entries → eH, blTxId/blRoot from the tree,
/// inner hash, Alh, then the Alh appended to the tree. The linked prefix may lag (blTxId &lt; id − 1) to exercise
/// linear and linear-advance proofs the way a lagging immudb server produces them.
/// </summary>
internal sealed class TestLedger : ITxHeaderSource
{
    private readonly List<TxHeader> _headers = [];
    private readonly List<IReadOnlyList<TxEntry>> _entries = [];

    public AppendOnlyTree Tree { get; } = new(new MemoryTreeNodeStore());

    public ulong LastTxId => (ulong)_headers.Count;

    public Digest LastAlh => _headers.Count == 0 ? Digest.OfEmpty : _headers[^1].Alh();

    public TxHeader GetHeader(ulong txId) => _headers[checked((int)txId - 1)];

    public IReadOnlyList<TxEntry> GetEntries(ulong txId) => _entries[checked((int)txId - 1)];

    /// <summary>Commits a transaction; <paramref name="blTxId"/> defaults to id − 1 (synchronous linking).</summary>
    public TxHeader Commit(IReadOnlyList<TxEntry> entries, long timestamp, int version = TxHeader.Version0, TxMetadata? metadata = null, ulong? blTxId = null)
    {
        ulong id = LastTxId + 1;
        ulong linked = blTxId ?? id - 1;
        if (linked > id - 1 || (_headers.Count > 0 && linked < _headers[^1].BlTxId))
        {
            throw new ArgumentOutOfRangeException(nameof(blTxId), "blTxId must stay within the previous txs and never go back.");
        }

        var eH = TxMerkleTree.ForEntries(entries, version).Root;
        var header = new TxHeader(id, LastAlh, timestamp, version, metadata, entries.Count, eH, linked, Tree.RootAt(linked));
        _headers.Add(header);
        _entries.Add(entries);
        Tree.Append(header.Alh());
        return header;
    }

    /// <summary>A ledger of <paramref name="count"/> random transactions, with random versions and lag when asked.</summary>
    public static TestLedger Random(int count, int seed, bool lagging, bool mixedVersions)
    {
        var random = new System.Random(seed);
        var ledger = new TestLedger();
        ulong lastLinked = 0;
        for (int n = 1; n <= count; n++)
        {
            int version = mixedVersions && random.Next(2) == 1 ? TxHeader.Version1 : TxHeader.Version0;
            var entries = new List<TxEntry>();
            int width = random.Next(1, 6);
            for (int e = 0; e < width; e++)
            {
                KvMetadata? md = version == TxHeader.Version1 && random.Next(3) == 0
                    ? new KvMetadata { Deleted = random.Next(2) == 0, ExpiresAt = random.Next(2) == 0 ? null : random.NextInt64(1, long.MaxValue), NonIndexable = random.Next(2) == 0 }
                    : null;
                entries.Add(Support.PlainEntry($"k{n}.{e}", $"v{random.Next()}", md));
            }

            TxMetadata? txMetadata = version == TxHeader.Version1 && random.Next(2) == 0
                ? new TxMetadata(random.Next(2) == 0 ? (ulong)random.Next(1, n + 1) : null, Support.Ascii($"who={random.Next()}"))
                : null;
            ulong linked = (ulong)(n - 1);
            if (lagging && n > 1)
            {
                linked = (ulong)random.NextInt64((long)lastLinked, n);
            }

            lastLinked = linked;
            ledger.Commit(entries, 1_600_000_000 + n, version, txMetadata, linked);
        }

        return ledger;
    }
}
