// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using System.Runtime.InteropServices;
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
    private readonly ReadOptions _readOptions = new();
    private readonly IntPtr _defaultFamily;

    // Buffers Apply reuses from batch to batch (only the indexer, or recovery before it starts, applies).
    private readonly ApplyScratch _scratch = new();
    private ulong _indexedTxId;

    private KeyIndex(RocksDb db, ulong indexedTxId)
    {
        _db = db;
        _defaultFamily = Native.Instance.rocksdb_get_default_column_family_handle(db.Handle);
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
            // Each file's filter and index blocks stay in its table reader (memory: about 1.3 bytes per row for the
            // filter), not in the block cache. In the cache they are evicted as soon as one outgrows a cache shard
            // (64 MiB / 64 shards = 1 MiB: a filter of ~800k rows, which compaction reaches at 1-2M keys), and then
            // every lookup re-reads the whole filter from the file: point reads over 3M keys fell from 190k/s to
            // 12k/s, and the indexer spent a third of its time re-reading filters for its revision lookups.
            var table = new BlockBasedTableOptions()
                .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
                .SetBlockCache(Cache.CreateLru(64UL << 20))
                .SetCacheIndexAndFilterBlocks(false);
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

    /// <summary>Applies the writes of transactions up to <paramref name="lastTxId"/> (in tx order) in one batch.</summary>
    public void Apply(ReadOnlySpan<IndexWrite> writes, ulong lastTxId)
    {
        // Key order: the lookups can tell RocksDB their input is sorted, and the memtable reuses its insertion point
        // from one put to the next instead of searching the whole skip list (most of the indexer's time with random
        // keys). Among writes of one key the sort keeps tx order, so revisions are numbered as committed.
        var order = _scratch.Order(writes.Length);
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = SortedWrite.Of(writes[i].StoredKey, i);
        }

        order.Sort();

        // One lookup per distinct key of the batch for its current latest row (for the revision).
        var keys = _scratch.Keys;
        keys.Reset();
        var runStarts = _scratch.RunStarts(order.Length);
        int runs = 0;
        for (int i = 0; i < order.Length; i++)
        {
            if (i == 0 || !order[i].Key.AsSpan().SequenceEqual(order[i - 1].Key))
            {
                runStarts[runs++] = i;
                keys.AppendLatestKey(order[i].Key);
            }
        }

        using var previous = LookUpSorted(keys, runs);
        using var batch = new WriteBatch();
        var rows = _scratch.Rows;
        rows.Reset();
        var latestPuts = _scratch.LatestPuts(runs);
        Span<byte> row = stackalloc byte[IndexedVersion.MaxEncodedSize];
        for (int r = 0; r < runs; r++)
        {
            var key = order[runStarts[r]].Key;
            int runEnd = r + 1 < runs ? runStarts[r + 1] : order.Length;
            ulong revision = 0;
            scoped ReadOnlySpan<byte> previousRow = previous.Value(r);
            if (!previousRow.IsEmpty)
            {
                revision = IndexedVersion.Decode(previousRow).Revision;
            }

            int rowLength = 0;
            for (int i = runStarts[r]; i < runEnd; i++)
            {
                var w = writes[order[i].Index];
                revision++;

                // A key's first version gets its history row only when the second arrives (before its row, which may
                // be in the buffer the new row is encoded into).
                if (revision == 2)
                {
                    PutHistory(batch, key, 1, previousRow);
                }

                rowLength = new IndexedVersion(w.TxId, revision, w.Segment, w.ValueOffset, w.ValueLength, w.EntryIndex, w.Deleted, w.ExpiresAt).EncodeTo(row);
                if (revision >= 2)
                {
                    PutHistory(batch, key, revision, row[..rowLength]);
                }

                previousRow = row[..rowLength];
            }

            // Only the last version of the key in this batch is its latest row.
            latestPuts[r] = rows.Append(row[..rowLength]);
        }

        // Latest rows after the history rows, each table in key order, so that consecutive puts land close together.
        for (int r = 0; r < runs; r++)
        {
            batch.Put(keys.Get(r), rows.Get(latestPuts[r]));
        }

        Span<byte> indexed = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(indexed, lastTxId);
        batch.Put(IndexedTxKey, indexed);
        _db.Write(batch, _writeOptions);
        Volatile.Write(ref _indexedTxId, lastTxId);
    }

    private static void PutHistory(WriteBatch batch, byte[] storedKey, ulong revision, ReadOnlySpan<byte> row)
    {
        int length = VersionKeyLength(storedKey.Length);
        Span<byte> key = length <= 256 ? stackalloc byte[length] : new byte[length];
        WriteVersionKey(key, storedKey, revision);
        batch.Put(key, row);
    }

    /// <summary>The current latest rows of <paramref name="count"/> keys given in key order, by one batched MultiGet.</summary>
    private unsafe PinnedRows LookUpSorted(KeyBuffer keys, int count)
    {
        var found = new PinnedRows(count);
        if (count == 0)
        {
            return found;
        }

        var pointers = new IntPtr[count];
        var sizes = new UIntPtr[count];
        var errors = new IntPtr[count];
        fixed (byte* bytes = keys.Bytes)
        fixed (IntPtr* values = found.Slices)
        {
            for (int i = 0; i < count; i++)
            {
                var (offset, length) = keys.Range(i);
                pointers[i] = (IntPtr)(bytes + offset);
                sizes[i] = (UIntPtr)length;
            }

            Native.Instance.rocksdb_batched_multi_get_cf(_db.Handle, _readOptions.Handle, _defaultFamily, (UIntPtr)count, pointers, sizes, (IntPtr)values, errors, 1);
        }

        string? error = null;
        foreach (var e in errors)
        {
            if (e != IntPtr.Zero)
            {
                error ??= Marshal.PtrToStringUTF8(e);
                Native.Instance.rocksdb_free(e);
            }
        }

        if (error is not null)
        {
            found.Dispose();
            throw new IndexDamagedException($"The key index cannot be read: {error}");
        }

        return found;
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

    public void Dispose()
    {
        Native.Instance.rocksdb_column_family_handle_destroy(_defaultFamily);
        _db.Dispose();
    }

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
        var key = new byte[VersionKeyLength(storedKey.Length)];
        WriteVersionKey(key, storedKey, revision);
        return key;
    }

    private static int VersionKeyLength(int storedKeyLength) => 1 + sizeof(ushort) + storedKeyLength + sizeof(ulong);

    private static void WriteVersionKey(Span<byte> key, ReadOnlySpan<byte> storedKey, ulong revision)
    {
        key[0] = HistoryTable;
        BinaryPrimitives.WriteUInt16BigEndian(key[1..], (ushort)storedKey.Length);
        storedKey.CopyTo(key[3..]);
        BinaryPrimitives.WriteUInt64BigEndian(key[(3 + storedKey.Length)..], revision);
    }

    /// <summary>A write of the batch by stored key, then by its place in the batch (so a sort keeps tx order).</summary>
    /// <remarks>
    /// <paramref name="Prefix"/> holds the key's first 8 bytes (big-endian, zero-padded), which decide almost every
    /// comparison of random keys with one integer compare; equal prefixes fall back to the whole keys. Padding keeps
    /// the order: where two prefixes differ, the greater has a real byte there, so its key is the greater too.
    /// </remarks>
    private readonly record struct SortedWrite(ulong Prefix, byte[] Key, int Index) : IComparable<SortedWrite>
    {
        public static SortedWrite Of(byte[] key, int index)
        {
            Span<byte> first = stackalloc byte[sizeof(ulong)];
            first.Clear();
            key.AsSpan(0, Math.Min(key.Length, sizeof(ulong))).CopyTo(first);
            return new SortedWrite(BinaryPrimitives.ReadUInt64BigEndian(first), key, index);
        }

        public int CompareTo(SortedWrite other)
        {
            if (Prefix != other.Prefix)
            {
                return Prefix < other.Prefix ? -1 : 1;
            }

            int byKey = Key.AsSpan().SequenceCompareTo(other.Key);
            return byKey != 0 ? byKey : Index.CompareTo(other.Index);
        }
    }

    /// <summary>Byte strings appended one after another into one growing array, addressed by number.</summary>
    private sealed class KeyBuffer
    {
        private readonly List<(int Offset, int Length)> _ranges = [];
        private int _used;

        public byte[] Bytes { get; private set; } = new byte[64 << 10];

        public void Reset()
        {
            _ranges.Clear();
            _used = 0;
        }

        public (int Offset, int Length) Range(int number) => _ranges[number];

        public ReadOnlySpan<byte> Get(int number) => Bytes.AsSpan(_ranges[number].Offset, _ranges[number].Length);

        public int Append(ReadOnlySpan<byte> bytes)
        {
            var target = Reserve(bytes.Length);
            bytes.CopyTo(target);
            return _ranges.Count - 1;
        }

        public void AppendLatestKey(ReadOnlySpan<byte> storedKey)
        {
            var target = Reserve(1 + storedKey.Length);
            target[0] = LatestTable;
            storedKey.CopyTo(target[1..]);
        }

        private Span<byte> Reserve(int length)
        {
            if (_used + length > Bytes.Length)
            {
                var bigger = new byte[Math.Max(Bytes.Length * 2, _used + length)];
                Bytes.AsSpan(0, _used).CopyTo(bigger);
                Bytes = bigger;
            }

            _ranges.Add((_used, length));
            var target = Bytes.AsSpan(_used, length);
            _used += length;
            return target;
        }
    }

    /// <summary>The arrays one Apply needs, kept for the next.</summary>
    private sealed class ApplyScratch
    {
        private SortedWrite[] _order = new SortedWrite[1024];
        private int[] _runStarts = new int[1024];
        private int[] _latestPuts = new int[1024];

        public KeyBuffer Keys { get; } = new();

        public KeyBuffer Rows { get; } = new();

        public Span<SortedWrite> Order(int count) => Grow(ref _order, count);

        public Span<int> RunStarts(int count) => Grow(ref _runStarts, count);

        public Span<int> LatestPuts(int count) => Grow(ref _latestPuts, count);

        private static Span<T> Grow<T>(ref T[] array, int count)
        {
            if (array.Length < count)
            {
                array = new T[Math.Max(count, array.Length * 2)];
            }

            return array.AsSpan(0, count);
        }
    }

    /// <summary>Values a batched MultiGet pinned in RocksDB's memory (null slice = key absent), released on Dispose.</summary>
    private sealed class PinnedRows : IDisposable
    {
        public PinnedRows(int count) => Slices = new IntPtr[count];

        public IntPtr[] Slices { get; }

        /// <summary>The row of key <paramref name="number"/>, empty when the key has none. Valid until Dispose.</summary>
        public unsafe ReadOnlySpan<byte> Value(int number)
        {
            var slice = Slices[number];
            if (slice == IntPtr.Zero)
            {
                return default;
            }

            var data = Native.Instance.rocksdb_pinnableslice_value(slice, out var length);
            return new ReadOnlySpan<byte>((void*)data, checked((int)length));
        }

        public void Dispose()
        {
            for (int i = 0; i < Slices.Length; i++)
            {
                if (Slices[i] != IntPtr.Zero)
                {
                    Native.Instance.rocksdb_pinnableslice_destroy(Slices[i]);
                    Slices[i] = IntPtr.Zero;
                }
            }
        }
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
