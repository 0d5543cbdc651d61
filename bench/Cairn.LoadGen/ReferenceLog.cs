// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Cairn.Storage;
using Microsoft.Win32.SafeHandles;

namespace Cairn.LoadGen;

/// <summary>
/// The reference: the least a durable hash-chained log must do, written plainly, to measure the engine against.
/// <list type="bullet">
/// <item>A caller serialises its entries (<c>[u16 key length][u32 value length][key][value]</c> each) and hashes them
/// on its own thread: eH = SHA-256 of the serialised entries (or, in Merkle mode, the Merkle root of one leaf hash per
/// entry, as a log that proves single entries needs), then queues the transaction.</item>
/// <item>One writer thread takes the whole queue as one group, chains every transaction
/// (alh = SHA-256(id ‖ prevAlh ‖ eH)), writes the group's records with one positional write and makes them durable with
/// one fdatasync, then completes the group's tasks.</item>
/// <item>Records go to segment files that are zero-filled and synced ahead of time, in the background (one segment
/// ahead), so appends overwrite zeros and fdatasync flushes data only: the same file strategy as the engine's.</item>
/// <item>No index unless asked for; then the writer keeps an in-memory hash map key → value location and a read is a
/// lookup plus one pread. The map is not safe to read while writes are in flight: reads run after the writes.</item>
/// </list>
/// Record: <c>[u32 length][u64 id][u32 entry count][32 eH][32 alh]</c> then the serialised entries.
/// </summary>
internal sealed class ReferenceLog : ITarget
{
    private const int HeaderSize = 4 + 8 + 4 + 32 + 32;
    private const int EntryPrefix = 2 + 4;
    private static readonly byte[] Zeros = new byte[1 << 20];

    private readonly string _folder;
    private readonly long _segmentSize;
    private readonly bool _merkle;
    private readonly bool _ledger;
    private readonly bool _indexed;
    private readonly List<byte[]> _peaks = [];
    private readonly object _queueLock = new();
    private readonly Thread _writer;
    private readonly Dictionary<UInt128, Location> _index = [];
    private readonly List<SafeFileHandle> _toSync = [];
    private readonly byte[] _lastAlh = new byte[32];
    private List<Pending> _queue = [];
    private List<Pending> _spare = [];
    private bool _stopping;
    private volatile Exception? _failure;
    private volatile SafeFileHandle[] _segments;
    private Task<SafeFileHandle>? _next;

    // Owned by the writer thread.
    private ulong _lastId;
    private long _offset;
    private byte[] _buffer = new byte[1 << 20];

    // ledger: also do the hashing immudb's format asks of every transaction (as the shared roofline program does):
    // eH as a Merkle root, inner hash over (ts, n, eH, blTxId, blRoot), Alh over (id, prevAlh, inner), and the root
    // of the tree over all Alhs, which every header carries.
    public ReferenceLog(string folder, long segmentSize, bool merkle, bool indexed, bool ledger = false)
    {
        _folder = folder;
        _segmentSize = segmentSize;
        _merkle = merkle || ledger;
        _ledger = ledger;
        _indexed = indexed;
        Directory.CreateDirectory(folder);
        _segments = [CreateSegment(0)];
        _next = Task.Run(() => CreateSegment(1));
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "reference-writer" };
        _writer.Start();
    }

    public SyncCounter Syncs { get; } = new();

    /// <summary>Zero: with an index, a commit completes after the writer has updated it.</summary>
    public long IndexLag => 0;

    public Task CommitAsync(KeyValue[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        int size = 0;
        foreach (var entry in entries)
        {
            size += EntryPrefix + entry.Key.Length + entry.Value.Length;
        }

        var payload = new byte[size];
        var valueOffsets = _indexed ? new int[entries.Length] : null;
        var leaves = _merkle ? new byte[entries.Length * 32] : null;
        int at = 0;
        for (int i = 0; i < entries.Length; i++)
        {
            var (key, value) = (entries[i].Key, entries[i].Value);
            int start = at;
            BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(at), checked((ushort)key.Length));
            BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(at + 2), value.Length);
            at += EntryPrefix;
            key.CopyTo(payload, at);
            at += key.Length;
            if (valueOffsets is not null)
            {
                valueOffsets[i] = at;
            }

            value.CopyTo(payload, at);
            at += value.Length;
            if (leaves is not null)
            {
                LeafHash(payload.AsSpan(start, at - start), leaves.AsSpan(i * 32, 32));
            }
        }

        var pending = new Pending(payload, entries.Length, valueOffsets, _indexed ? entries : null);
        if (leaves is not null)
        {
            MerkleRoot(leaves, entries.Length, pending.EntriesHash);
        }
        else
        {
            SHA256.HashData(payload, pending.EntriesHash);
        }

        lock (_queueLock)
        {
            if (_failure is { } failure)
            {
                throw new IOException("the reference log failed", failure);
            }

            ObjectDisposedException.ThrowIf(_stopping, this);
            _queue.Add(pending);
            Monitor.Pulse(_queueLock);
        }

        return pending.Completion.Task;
    }

    public byte[] Get(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_indexed)
        {
            throw new InvalidOperationException("this reference log keeps no index");
        }

        if (!_index.TryGetValue(IndexKey(key), out var location))
        {
            throw new KeyNotFoundException();
        }

        var value = new byte[location.Length];
        if (RandomAccess.Read(_segments[location.Segment], value, location.Offset) != value.Length)
        {
            throw new IOException("short read");
        }

        return value;
    }

    public void WaitUntilReadable()
    {
        // Commits complete after the writer has indexed them, and reads run after the writes.
    }

    public void Dispose()
    {
        lock (_queueLock)
        {
            _stopping = true;
            Monitor.Pulse(_queueLock);
        }

        _writer.Join();
        try
        {
            _next?.GetAwaiter().GetResult().Dispose();
        }
        catch (IOException)
        {
            // An unused segment that failed to be created.
        }

        foreach (var handle in _segments)
        {
            handle.Dispose();
        }
    }

    private static UInt128 IndexKey(byte[] key) =>
        key.Length == 16 ? MemoryMarshal.Read<UInt128>(key) : throw new ArgumentException("the reference index takes 16-byte keys", nameof(key));

    // Leaf = SHA-256(0x00 ‖ serialised entry); inner node = SHA-256(0x01 ‖ left ‖ right); a lone last node moves up.
    private static void LeafHash(ReadOnlySpan<byte> entry, Span<byte> leaf)
    {
        Span<byte> input = entry.Length < 512 ? stackalloc byte[entry.Length + 1] : new byte[entry.Length + 1];
        input[0] = 0;
        entry.CopyTo(input[1..]);
        SHA256.HashData(input, leaf);
    }

    private static void MerkleRoot(byte[] level, int count, Span<byte> root)
    {
        Span<byte> node = stackalloc byte[65];
        while (count > 1)
        {
            int next = 0;
            for (int i = 0; i + 1 < count; i += 2)
            {
                node[0] = 1;
                level.AsSpan(i * 32, 64).CopyTo(node[1..]);
                SHA256.HashData(node, level.AsSpan(next++ * 32, 32));
            }

            if ((count & 1) == 1)
            {
                level.AsSpan((count - 1) * 32, 32).CopyTo(level.AsSpan(next++ * 32, 32));
            }

            count = next;
        }

        level.AsSpan(0, 32).CopyTo(root);
    }

    private SafeFileHandle CreateSegment(int number)
    {
        string path = Path.Combine(_folder, number.ToString("D8", CultureInfo.InvariantCulture) + ".seg");
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            for (long at = 0; at < _segmentSize; at += Zeros.Length)
            {
                RandomAccess.Write(handle, Zeros.AsSpan(0, (int)Math.Min(Zeros.Length, _segmentSize - at)), at);
            }

            Syncs.Time(() => Native.FullSync(handle));
            Syncs.Time(() => Native.SyncDirectory(_folder));
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private void WriteLoop()
    {
        while (true)
        {
            List<Pending> group;
            lock (_queueLock)
            {
                while (_queue.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_queueLock);
                }

                if (_queue.Count == 0)
                {
                    return;
                }

                group = _queue;
                _queue = _spare;
                _spare = group;
            }

            try
            {
                WriteGroup(group);
                foreach (var pending in group)
                {
                    pending.Completion.TrySetResult(pending.TxId);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _failure = e;
                foreach (var pending in group)
                {
                    pending.Completion.TrySetException(e);
                }
            }

            group.Clear();
        }
    }

    private void WriteGroup(List<Pending> group)
    {
        long start = _offset;
        int used = 0;
        Span<byte> chain = stackalloc byte[8 + 32 + 32];
        foreach (var pending in group)
        {
            int size = HeaderSize + pending.Payload.Length;
            if (size > _segmentSize)
            {
                throw new IOException($"a record of {size} bytes does not fit in a segment");
            }

            if (start + used + size > _segmentSize)
            {
                // Records never span segments: write what this segment holds and go on in the next one.
                WriteOut(start, used);
                Rotate();
                start = 0;
                used = 0;
            }

            if (used + size > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, used + size));
            }

            ulong id = ++_lastId;
            var record = _buffer.AsSpan(used, size);
            BinaryPrimitives.WriteInt32LittleEndian(record, size);
            BinaryPrimitives.WriteUInt64LittleEndian(record[4..], id);
            BinaryPrimitives.WriteInt32LittleEndian(record[12..], pending.Count);
            pending.EntriesHash.CopyTo(record[16..]);
            BinaryPrimitives.WriteUInt64LittleEndian(chain, id);
            _lastAlh.CopyTo(chain[8..]);
            if (_ledger)
            {
                LedgerInnerHash(id, pending, chain[40..]);
            }
            else
            {
                pending.EntriesHash.CopyTo(chain[40..]);
            }

            SHA256.HashData(chain, _lastAlh);
            if (_ledger)
            {
                AppendToTree(_lastAlh);
            }

            _lastAlh.CopyTo(record[48..]);
            pending.Payload.CopyTo(record[HeaderSize..]);
            if (pending.ValueOffsets is { } valueOffsets && pending.Entries is { } entries)
            {
                int segment = _segments.Length - 1;
                long valuesAt = start + used + HeaderSize;
                for (int i = 0; i < entries.Length; i++)
                {
                    _index[IndexKey(entries[i].Key)] = new Location(segment, valuesAt + valueOffsets[i], entries[i].Value.Length);
                }
            }

            pending.TxId = id;
            used += size;
        }

        WriteOut(start, used);
        foreach (var handle in _toSync)
        {
            Syncs.Time(() => Native.DataSync(handle));
        }

        _toSync.Clear();
    }

    private void WriteOut(long start, int used)
    {
        if (used == 0)
        {
            return;
        }

        var handle = _segments[^1];
        RandomAccess.Write(handle, _buffer.AsSpan(0, used), start);
        _offset = start + used;
        if (_toSync.Count == 0 || _toSync[^1] != handle)
        {
            _toSync.Add(handle);
        }
    }

    private void Rotate()
    {
        var next = _next!.GetAwaiter().GetResult();
        _segments = [.. _segments, next];
        _offset = 0;
        int number = _segments.Length;
        _next = Task.Run(() => CreateSegment(number));
    }

    private readonly record struct Location(int Segment, long Offset, int Length);

    // inner = H(ts || n || eH || blTxId || blRoot) with blTxId = id − 1 and blRoot the root over Alh(1..id−1).
    private void LedgerInnerHash(ulong id, Pending pending, Span<byte> inner)
    {
        Span<byte> header = stackalloc byte[8 + 4 + 32 + 8 + 32];
        BinaryPrimitives.WriteInt64BigEndian(header, 1_700_000_000);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], pending.Count);
        pending.EntriesHash.CopyTo(header[12..]);
        BinaryPrimitives.WriteUInt64BigEndian(header[44..], id - 1);
        TreeRoot(header[52..]);
        SHA256.HashData(header, inner);
    }

    // The tree over all Alhs kept as its peaks: append the leaf H(0x00 || alh), merging completed subtrees.
    private void AppendToTree(ReadOnlySpan<byte> alh)
    {
        Span<byte> leafInput = stackalloc byte[33];
        leafInput[0] = 0x00;
        alh.CopyTo(leafInput[1..]);
        var node = SHA256.HashData(leafInput);
        Span<byte> pair = stackalloc byte[65];
        for (ulong size = _lastId - 1; (size & 1) == 1; size >>= 1)
        {
            pair[0] = 0x01;
            _peaks[^1].CopyTo(pair[1..]);
            node.CopyTo(pair[33..]);
            _peaks.RemoveAt(_peaks.Count - 1);
            node = SHA256.HashData(pair);
        }

        _peaks.Add(node);
    }

    // Root = H(p1, H(p2, … H(pk−1, pk))) over the peaks, largest first; 32 zero bytes while empty.
    private void TreeRoot(Span<byte> root)
    {
        if (_peaks.Count == 0)
        {
            root.Clear();
            return;
        }

        Span<byte> pair = stackalloc byte[65];
        _peaks[^1].CopyTo(root);
        for (int k = _peaks.Count - 2; k >= 0; k--)
        {
            pair[0] = 0x01;
            _peaks[k].CopyTo(pair[1..]);
            root[..32].CopyTo(pair[33..]);
            SHA256.HashData(pair, root);
        }
    }

    private sealed class Pending
    {
        public Pending(byte[] payload, int count, int[]? valueOffsets, KeyValue[]? entries)
        {
            Payload = payload;
            Count = count;
            ValueOffsets = valueOffsets;
            Entries = entries;
        }

        public byte[] Payload { get; }

        public int Count { get; }

        public int[]? ValueOffsets { get; }

        public KeyValue[]? Entries { get; }

        public byte[] EntriesHash { get; } = new byte[32];

        public ulong TxId { get; set; }

        public TaskCompletionSource<ulong> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
