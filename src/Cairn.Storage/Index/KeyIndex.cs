// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using RocksDbSharp;

namespace Cairn.Storage.Index;

/// <summary>A write the index applies: one entry of a committed tx, with where its value lies.</summary>
internal readonly record struct IndexWrite(ulong TxId, byte[] StoredKey, uint Segment, long ValueOffset, int ValueLength, int EntryIndex, bool Deleted, long? ExpiresAt);

/// <summary>
/// The key index: derived state, rebuildable from the log at any time.
/// </summary>
/// <remarks>
/// RocksDB (an LSM tree) holds it: batched writes of a whole commit group are cheap, reads are ordered, and its
/// block checksums find damaged index files, which the engine then rebuilds. Its write-ahead log is off: the
/// transaction log is the durable record, and the last applied tx is stored in the same batch as the entries, so
/// after a crash the engine replays the log from there. Two tables:
/// <list type="bullet">
/// <item><c>'L' || storedKey</c> → the key's latest version (ordered scans, sorted sets, counts);</item>
/// <item><c>'H' || u16 len || storedKey || u64 revision</c> → every version (history, at-revision, at-tx), written
/// from a key's second version on: most keys are written once, and then the latest row is their whole history,
/// which halves the index writes of fresh keys. When the second version arrives, the first gets its row too.</item>
/// </list>
/// </remarks>
internal sealed class KeyIndex : IDisposable
{
    /// <summary>First byte of a latest row's key.</summary>
    internal const byte LatestTable = (byte)'L';

    /// <summary>First byte of a history row's key.</summary>
    internal const byte HistoryTable = (byte)'H';

    /// <summary>First byte of the key of the last applied tx.</summary>
    internal const byte MetaTable = (byte)'M';

    /// <summary>Key of the last applied tx, stored in the same batch as the rows.</summary>
    internal static readonly byte[] IndexedTxKey = [MetaTable, .. "indexed-tx"u8];
    private static readonly byte[] LatestTableEnd = [LatestTable + 1];

    private readonly RocksDb _db;
    private readonly WriteOptions _writeOptions = new WriteOptions().DisableWal(1).SetSync(false);
    private ulong _indexedTxId;

    private KeyIndex(RocksDb db, ulong indexedTxId)
    {
        _db = db;
        _indexedTxId = indexedTxId;
    }

    /// <summary>The last transaction whose entries are all in the index.</summary>
    public ulong IndexedTxId => Volatile.Read(ref _indexedTxId);

    /// <summary>Opens (or creates) the index in <paramref name="folder"/>.</summary>
    /// <exception cref="IndexDamagedException">RocksDB reports the files damaged or unreadable.</exception>
    public static KeyIndex Open(string folder)
    {
        try
        {
            // Bloom filters answer "no such key" without a read: every write of a new key asks for its revision.
            var table = new BlockBasedTableOptions()
                .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
                .SetBlockCache(Cache.CreateLru(64UL << 20))
                .SetCacheIndexAndFilterBlocks(true);
            var options = new DbOptions()
                .SetCreateIfMissing(true)
                .SetParanoidChecks(true)
                .SetMaxOpenFiles(256)
                .SetBlockBasedTableFactory(table)
                .SetMemtablePrefixBloomSizeRatio(0.1)
                .SetWriteBufferSize(16UL << 20)
                .SetMaxWriteBufferNumber(4)
                .SetCompression(Compression.No);

            // Index entries are small and random: compression saves little disk and costs the CPU the committer needs.
            // A whole-key bloom filter on the memtable: a point read of a key that is not there skips its skip list.
            Native.Instance.rocksdb_options_set_memtable_whole_key_filtering(options.Handle, 1);
            var db = RocksDb.Open(options, folder);
            var stored = db.Get(IndexedTxKey);
            ulong indexed = stored is { Length: 8 } ? BinaryPrimitives.ReadUInt64BigEndian(stored) : 0;
            return new KeyIndex(db, indexed);
        }
        catch (RocksDbException e)
        {
            throw new IndexDamagedException($"The key index in {folder} cannot be opened: {e.Message}", e);
        }
    }

    /// <summary>Deletes the index files so that it can be rebuilt.</summary>
    public static void Destroy(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Applies the writes of transactions up to <paramref name="lastTxId"/> in one batch.</summary>
    public void Apply(IReadOnlyList<IndexWrite> writes, ulong lastTxId)
    {
        // The current latest row of every key of the batch, looked up with one MultiGet rather than a Get per entry.
        var latest = new Dictionary<byte[], (byte[] LatestKey, ulong Revision, byte[]? Row)>(writes.Count, ByteArrayComparer.Instance);
        var lookups = new List<byte[]>(writes.Count);
        foreach (var w in writes)
        {
            if (!latest.ContainsKey(w.StoredKey))
            {
                var latestKey = LatestKey(w.StoredKey);
                latest[w.StoredKey] = (latestKey, 0, null);
                lookups.Add(latestKey);
            }
        }

        if (lookups.Count > 0)
        {
            foreach (var found in _db.MultiGet([.. lookups]))
            {
                if (found.Value is { } row)
                {
                    latest[found.Key[1..]] = (found.Key, IndexedVersion.Decode(row).Revision, row);
                }
            }
        }

        var puts = new List<(byte[] Key, byte[] Row)>(writes.Count + (writes.Count / 4));
        for (int i = 0; i < writes.Count; i++)
        {
            var w = writes[i];
            var (latestKey, previous, previousRow) = latest[w.StoredKey];
            ulong revision = previous + 1;
            var row = new IndexedVersion(w.TxId, revision, w.Segment, w.ValueOffset, w.ValueLength, w.EntryIndex, w.Deleted, w.ExpiresAt).Encode();
            if (revision >= 2)
            {
                if (previous == 1)
                {
                    puts.Add((VersionKey(w.StoredKey, 1), previousRow!));
                }

                puts.Add((VersionKey(w.StoredKey, revision), row));
            }

            puts.Add((latestKey, row));
            latest[w.StoredKey] = (latestKey, revision, row);
        }

        // In key order the memtable reuses its insertion point from one put to the next instead of searching the
        // whole skip list (most of the indexer's time with random keys). The sort is stable, so of two puts of one
        // key the later still wins.
        var ordered = puts.OrderBy(p => p.Key, ByteArrayComparer.Instance);
        using var batch = new WriteBatch();
        foreach (var (key, row) in ordered)
        {
            batch.Put(key, row);
        }

        var indexed = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(indexed, lastTxId);
        batch.Put(IndexedTxKey, indexed);
        _db.Write(batch, _writeOptions);
        Volatile.Write(ref _indexedTxId, lastTxId);
    }

    /// <summary>Flushes the memtable so that the applied state survives a crash (at checkpoints and on close).</summary>
    public void Flush() => _db.Flush(new FlushOptions().SetWaitForFlush(true));

    public IndexedVersion? GetLatest(ReadOnlySpan<byte> storedKey) => Decode(_db.Get(LatestKey(storedKey)));

    public IndexedVersion? GetRevision(ReadOnlySpan<byte> storedKey, ulong revision)
    {
        var version = Decode(_db.Get(VersionKey(storedKey, revision)));
        if (version is null && revision == 1 && GetLatest(storedKey) is { Revision: 1 } only)
        {
            return only; // a key with one version has only its latest row
        }

        return version;
    }

    /// <summary>The version written in exactly tx <paramref name="txId"/>, by binary search over the revisions.</summary>
    public IndexedVersion? GetAtTx(ReadOnlySpan<byte> storedKey, ulong txId)
    {
        if (GetLatest(storedKey) is not { } latest)
        {
            return null;
        }

        if (latest.Revision == 1)
        {
            return latest.TxId == txId ? latest : null;
        }

        ulong low = 1, high = latest.Revision;
        while (low <= high)
        {
            ulong mid = low + ((high - low) / 2);
            var version = GetRevision(storedKey, mid) ?? throw new IndexDamagedException($"Revision {mid} of a key is missing from the index.");
            if (version.TxId == txId)
            {
                return version;
            }

            if (version.TxId < txId)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return null;
    }

    /// <summary>Versions of a key (whose latest row is <paramref name="latest"/>) from revision <paramref name="from"/> on (ascending) or down (descending).</summary>
    public IEnumerable<IndexedVersion> History(byte[] storedKey, IndexedVersion latest, ulong from, bool descending)
    {
        if (latest.Revision == 1)
        {
            // A key with one version has no history row: its latest row is its history.
            if (from == 1)
            {
                yield return latest;
            }

            yield break;
        }

        var prefix = VersionPrefix(storedKey);
        using var iterator = _db.NewIterator();
        if (descending)
        {
            iterator.SeekForPrev(VersionKey(storedKey, from));
        }
        else
        {
            iterator.Seek(VersionKey(storedKey, from));
        }

        while (iterator.Valid())
        {
            var key = iterator.Key();
            if (key.Length != prefix.Length + sizeof(ulong) || !key.AsSpan().StartsWith(prefix))
            {
                yield break;
            }

            yield return IndexedVersion.Decode(iterator.Value());
            if (descending)
            {
                iterator.Prev();
            }
            else
            {
                iterator.Next();
            }
        }
    }

    /// <summary>
    /// Latest versions of the stored keys in [<paramref name="lower"/>, <paramref name="upper"/>) (upper null = no
    /// bound), in key order or reversed.
    /// </summary>
    public IEnumerable<(byte[] StoredKey, IndexedVersion Latest)> Scan(byte[] lower, byte[]? upper, bool descending)
    {
        var from = LatestKey(lower);
        var to = upper is null ? LatestTableEnd : LatestKey(upper);
        using var iterator = _db.NewIterator();
        if (descending)
        {
            iterator.SeekForPrev(to);
            if (iterator.Valid() && iterator.Key().AsSpan().SequenceEqual(to))
            {
                iterator.Prev();
            }
        }
        else
        {
            iterator.Seek(from);
        }

        while (iterator.Valid())
        {
            var key = iterator.Key();
            if (key.AsSpan().SequenceCompareTo(from) < 0 || key.AsSpan().SequenceCompareTo(to) >= 0)
            {
                yield break;
            }

            yield return (key[1..], IndexedVersion.Decode(iterator.Value()));
            if (descending)
            {
                iterator.Prev();
            }
            else
            {
                iterator.Next();
            }
        }
    }

    public void Dispose() => _db.Dispose();

    private static IndexedVersion? Decode(byte[]? bytes) => bytes is null ? null : IndexedVersion.Decode(bytes);

    private static byte[] LatestKey(ReadOnlySpan<byte> storedKey)
    {
        var key = new byte[1 + storedKey.Length];
        key[0] = LatestTable;
        storedKey.CopyTo(key.AsSpan(1));
        return key;
    }

    private static byte[] VersionPrefix(ReadOnlySpan<byte> storedKey)
    {
        var key = new byte[1 + sizeof(ushort) + storedKey.Length];
        key[0] = HistoryTable;
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(1), (ushort)storedKey.Length);
        storedKey.CopyTo(key.AsSpan(3));
        return key;
    }

    /// <summary>'H' || u16 len || storedKey || u64 revision.</summary>
    internal static byte[] VersionKey(ReadOnlySpan<byte> storedKey, ulong revision)
    {
        var key = new byte[1 + sizeof(ushort) + storedKey.Length + sizeof(ulong)];
        key[0] = HistoryTable;
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(1), (ushort)storedKey.Length);
        storedKey.CopyTo(key.AsSpan(3));
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(3 + storedKey.Length), revision);
        return key;
    }
}

/// <summary>The index files are damaged or inconsistent with the log; the engine rebuilds the index from the log.</summary>
public sealed class IndexDamagedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IndexDamagedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public IndexDamagedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
