// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using Cairn.Storage.Devices;

namespace Cairn.Storage.Log;

/// <summary>
/// Where each transaction's record lies: 16 bytes per tx (u32 segment, u32 length, u64 offset), entry n−1 for tx n.
/// Derived from the log and written after each group is durable; it is synced lazily, so on open its tail is checked
/// against the log and completed or rebuilt from it. Every record read through it is checked (magic, tx id, checksum).
/// </summary>
internal sealed class TxLocationFile : IDisposable
{
    public const int EntrySize = 16;

    private readonly IStorageFile _file;
    private readonly byte[] _pending = new byte[EntrySize * 4096];
    private int _pendingCount;
    private ulong _flushedCount;

    public TxLocationFile(IStorageDevice device, string path)
    {
        _file = device.Open(path, create: true);
        _flushedCount = (ulong)(_file.Length / EntrySize);
    }

    /// <summary>Number of transactions located, including those not yet written to the file.</summary>
    public ulong Count => _flushedCount + (ulong)_pendingCount;

    /// <summary>Cuts the file to <paramref name="count"/> entries (recovery).</summary>
    public void Truncate(ulong count)
    {
        Flush();
        _file.SetLength((long)count * EntrySize);
        _flushedCount = count;
    }

    /// <summary>Records the position of tx <see cref="Count"/> + 1.</summary>
    public void Add(LogPosition position)
    {
        var slot = _pending.AsSpan(_pendingCount * EntrySize, EntrySize);
        BinaryPrimitives.WriteUInt32BigEndian(slot, position.Segment);
        BinaryPrimitives.WriteUInt32BigEndian(slot[4..], (uint)position.Length);
        BinaryPrimitives.WriteInt64BigEndian(slot[8..], position.Offset);
        if (++_pendingCount * EntrySize == _pending.Length)
        {
            Flush();
        }
    }

    /// <summary>Writes pending entries to the file (not synced).</summary>
    public void Flush()
    {
        if (_pendingCount == 0)
        {
            return;
        }

        _file.Write((long)_flushedCount * EntrySize, _pending.AsSpan(0, _pendingCount * EntrySize));
        Volatile.Write(ref _flushedCount, _flushedCount + (ulong)_pendingCount);
        _pendingCount = 0;
    }

    /// <summary>Makes the written entries durable.</summary>
    public void Sync() => _file.Sync();

    /// <summary>The position of tx <paramref name="txId"/>, or null when the file holds no valid entry for it.</summary>
    public LogPosition? Get(ulong txId)
    {
        if (txId == 0 || txId > Volatile.Read(ref _flushedCount))
        {
            return null;
        }

        Span<byte> slot = stackalloc byte[EntrySize];
        if (_file.Read((long)(txId - 1) * EntrySize, slot) != EntrySize)
        {
            return null;
        }

        var position = Decode(slot);
        return position.Segment == 0 || position.Length <= 0 || position.Offset <= 0 ? null : position;
    }

    /// <summary>Reads one 16-byte entry.</summary>
    public static LogPosition Decode(ReadOnlySpan<byte> slot) =>
        new(BinaryPrimitives.ReadUInt32BigEndian(slot), BinaryPrimitives.ReadInt64BigEndian(slot[8..]), (int)BinaryPrimitives.ReadUInt32BigEndian(slot[4..]));

    public void Dispose()
    {
        try
        {
            Flush();
        }
        finally
        {
            _file.Dispose();
        }
    }
}
