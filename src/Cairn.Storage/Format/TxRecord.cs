// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using Cairn.Verification;

namespace Cairn.Storage.Format;

/// <summary>
/// One committed transaction as it lies in a log segment. Layout (big-endian), format version 1:
/// <code>
///   0  u32 magic "CTX1"          4  u32 record length (all bytes, checksum included)
///   8  u64 tx id                16  i64 timestamp (Unix seconds)
///  24  u16 header version       26  u16 tx metadata length      28  u32 entry count
///  32  u64 blTxId               40  [32] blRoot                  72  [32] prevAlh
/// 104  [32] eH                 136  [32] Alh                    168  tx metadata
///      entries: u16 md length, md, u16 key length, stored key, u32 value length, [32] value hash, stored value
///  end u32 CRC-32C of every byte before it
/// </code>
/// The header fields come first so that proofs read one small block; values sit inline so one write and one
/// fdatasync make a whole group of transactions durable. The checksum finds torn and damaged records; the hashes
/// (recomputed by Verify) find everything else.
/// </summary>
internal static class TxRecord
{
    public const uint Magic = 0x43545831; // "CTX1"
    public const int HeaderSize = 168;

    /// <summary>The fixed fields plus the largest tx metadata (truncation point and 256 extra bytes).</summary>
    public const int MaxHeaderSize = HeaderSize + 1 + sizeof(ulong) + 1 + sizeof(ushort) + TxMetadata.MaxExtraSize;
    public const int ChecksumSize = 4;
    public const int EntryFixedSize = sizeof(ushort) + sizeof(ushort) + sizeof(uint) + Digest.Size;

    /// <summary>The size of a record holding <paramref name="entries"/> and <paramref name="txMetadataLength"/> bytes of tx metadata.</summary>
    public static long SizeOf(IReadOnlyList<PreparedEntry> entries, int txMetadataLength)
    {
        long size = HeaderSize + txMetadataLength + ChecksumSize;
        foreach (var e in entries)
        {
            size += EntryFixedSize + e.MetadataBytes.Length + e.StoredKey.Length + e.StoredValue.Length;
        }

        return size;
    }

    /// <summary>
    /// Writes the record of <paramref name="header"/> and <paramref name="entries"/> into <paramref name="destination"/>
    /// (exactly <see cref="SizeOf"/> bytes) and fills <paramref name="valueOffsets"/> with each value's offset inside it.
    /// </summary>
    public static void Write(Span<byte> destination, TxHeader header, Digest alh, ReadOnlySpan<byte> txMetadata, IReadOnlyList<PreparedEntry> entries, Span<int> valueOffsets)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Magic);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)destination.Length);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], header.Id);
        BinaryPrimitives.WriteInt64BigEndian(destination[16..], header.Timestamp);
        BinaryPrimitives.WriteUInt16BigEndian(destination[24..], (ushort)header.Version);
        BinaryPrimitives.WriteUInt16BigEndian(destination[26..], (ushort)txMetadata.Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[28..], (uint)header.EntryCount);
        BinaryPrimitives.WriteUInt64BigEndian(destination[32..], header.BlTxId);
        header.BlRoot.WriteTo(destination[40..]);
        header.PrevAlh.WriteTo(destination[72..]);
        header.EntriesHash.WriteTo(destination[104..]);
        alh.WriteTo(destination[136..]);
        txMetadata.CopyTo(destination[HeaderSize..]);
        int at = HeaderSize + txMetadata.Length;
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            BinaryPrimitives.WriteUInt16BigEndian(destination[at..], (ushort)e.MetadataBytes.Length);
            at += sizeof(ushort);
            e.MetadataBytes.CopyTo(destination[at..]);
            at += e.MetadataBytes.Length;
            BinaryPrimitives.WriteUInt16BigEndian(destination[at..], (ushort)e.StoredKey.Length);
            at += sizeof(ushort);
            e.StoredKey.CopyTo(destination[at..]);
            at += e.StoredKey.Length;
            BinaryPrimitives.WriteUInt32BigEndian(destination[at..], (uint)e.StoredValue.Length);
            at += sizeof(uint);
            e.ValueHash.WriteTo(destination[at..]);
            at += Digest.Size;
            valueOffsets[i] = at;
            e.StoredValue.CopyTo(destination[at..]);
            at += e.StoredValue.Length;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination[at..], Crc32C.Compute(destination[..at]));
    }

    /// <summary>Reads the fixed part at the start of a record; false when the magic or sizes are wrong.</summary>
    public static bool TryReadPrefix(ReadOnlySpan<byte> record, out RecordPrefix prefix)
    {
        prefix = default;
        if (record.Length < HeaderSize || BinaryPrimitives.ReadUInt32BigEndian(record) != Magic)
        {
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(record[4..]);
        int txMetadataLength = BinaryPrimitives.ReadUInt16BigEndian(record[26..]);
        if (length < HeaderSize + txMetadataLength + ChecksumSize)
        {
            return false;
        }

        prefix = new RecordPrefix(
            length,
            BinaryPrimitives.ReadUInt64BigEndian(record[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(record[24..]),
            txMetadataLength,
            BinaryPrimitives.ReadUInt32BigEndian(record[28..]));
        return true;
    }

    /// <summary>True when the record's checksum matches its bytes.</summary>
    public static bool ChecksumMatches(ReadOnlySpan<byte> record) =>
        record.Length >= HeaderSize + ChecksumSize
        && BinaryPrimitives.ReadUInt32BigEndian(record[^ChecksumSize..]) == Crc32C.Compute(record[..^ChecksumSize]);

    /// <summary>The transaction header and stored Alh of a record whose prefix (and tx metadata) is in <paramref name="record"/>.</summary>
    /// <exception cref="FormatException">The fields do not form a valid header.</exception>
    public static TxHeader ReadHeader(ReadOnlySpan<byte> record, out Digest storedAlh)
    {
        int txMetadataLength = BinaryPrimitives.ReadUInt16BigEndian(record[26..]);
        int version = BinaryPrimitives.ReadUInt16BigEndian(record[24..]);
        TxMetadata? metadata = txMetadataLength == 0 ? null : TxMetadata.Parse(record.Slice(HeaderSize, txMetadataLength));
        storedAlh = new Digest(record.Slice(136, Digest.Size));
        uint entryCount = BinaryPrimitives.ReadUInt32BigEndian(record[28..]);
        if (entryCount > int.MaxValue)
        {
            throw new FormatException($"Entry count {entryCount} is out of range.");
        }

        try
        {
            return new TxHeader(
                BinaryPrimitives.ReadUInt64BigEndian(record[8..]),
                new Digest(record.Slice(72, Digest.Size)),
                BinaryPrimitives.ReadInt64BigEndian(record[16..]),
                version,
                metadata,
                (int)entryCount,
                new Digest(record.Slice(104, Digest.Size)),
                BinaryPrimitives.ReadUInt64BigEndian(record[32..]),
                new Digest(record.Slice(40, Digest.Size)));
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"Transaction header fields are invalid: {e.Message}", e);
        }
    }

    /// <summary>Decodes the entries of a whole record (checksum already checked).</summary>
    /// <exception cref="FormatException">The entries overrun the record.</exception>
    public static StoredEntry[] ReadEntries(ReadOnlySpan<byte> record, bool withValues)
    {
        if (!TryReadPrefix(record, out var prefix))
        {
            throw new FormatException("Not a transaction record.");
        }

        var entries = new StoredEntry[prefix.EntryCount];
        int at = HeaderSize + prefix.TxMetadataLength;
        int end = record.Length - ChecksumSize;
        for (int i = 0; i < entries.Length; i++)
        {
            int mdLength = ReadU16(record, ref at, end);
            var md = Take(record, ref at, end, mdLength);
            int keyLength = ReadU16(record, ref at, end);
            var key = Take(record, ref at, end, keyLength);
            Need(at, end, sizeof(uint) + Digest.Size);
            uint valueLength = BinaryPrimitives.ReadUInt32BigEndian(record[at..]);
            at += sizeof(uint);
            var valueHash = new Digest(record.Slice(at, Digest.Size));
            at += Digest.Size;
            if (valueLength > (uint)(end - at))
            {
                throw new FormatException($"Entry {i} value of {valueLength} bytes overruns the record.");
            }

            int valueOffset = at;
            byte[]? value = withValues ? record.Slice(at, (int)valueLength).ToArray() : null;
            at += (int)valueLength;
            KvMetadata? metadata = mdLength == 0 ? null : KvMetadata.Parse(md);
            entries[i] = new StoredEntry(key.ToArray(), metadata, valueHash, (int)valueLength, valueOffset, value);
        }

        if (at != end)
        {
            throw new FormatException($"{end - at} bytes follow the last entry.");
        }

        return entries;
    }

    private static int ReadU16(ReadOnlySpan<byte> record, ref int at, int end)
    {
        Need(at, end, sizeof(ushort));
        int value = BinaryPrimitives.ReadUInt16BigEndian(record[at..]);
        at += sizeof(ushort);
        return value;
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> record, ref int at, int end, int length)
    {
        Need(at, end, length);
        var slice = record.Slice(at, length);
        at += length;
        return slice;
    }

    private static void Need(int at, int end, int length)
    {
        if (length > end - at)
        {
            throw new FormatException("An entry overruns the record.");
        }
    }
}

/// <summary>The fixed fields at the start of a record.</summary>
internal readonly record struct RecordPrefix(uint Length, ulong TxId, int HeaderVersion, int TxMetadataLength, uint EntryCount);

/// <summary>An entry ready to be committed: stored key and value with their hash and serialized metadata.</summary>
internal sealed record PreparedEntry(byte[] StoredKey, byte[] StoredValue, Digest ValueHash, KvMetadata? Metadata, byte[] MetadataBytes)
{
    public static PreparedEntry Create(byte[] storedKey, byte[] storedValue, KvMetadata? metadata)
    {
        metadata = metadata is { IsEmpty: true } ? null : metadata;
        return new PreparedEntry(storedKey, storedValue, Digest.Compute(storedValue), metadata, metadata?.ToBytes() ?? []);
    }

    public Digest DigestFor(int headerVersion) => EntryDigest.For(headerVersion, Metadata, StoredKey, ValueHash);
}

/// <summary>An entry as read back from a record.</summary>
internal sealed record StoredEntry(byte[] StoredKey, KvMetadata? Metadata, Digest ValueHash, int ValueLength, int ValueOffsetInRecord, byte[]? Value);
