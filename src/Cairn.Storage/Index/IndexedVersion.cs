// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;

namespace Cairn.Storage.Index;

/// <summary>
/// One version of a key as the index holds it: the tx that wrote it, its revision (1 = first version), where its
/// stored value lies in the log, its position in the tx, and the metadata reads must honour.
/// Encoding (big-endian): u64 tx, u64 revision, u32 segment, u64 value offset, u32 value length, u32 entry index,
/// u8 flags (1 deleted, 2 expires), then i64 expiresAt when flag 2 is set.
/// </summary>
internal readonly record struct IndexedVersion(
    ulong TxId,
    ulong Revision,
    uint Segment,
    long ValueOffset,
    int ValueLength,
    int EntryIndex,
    bool Deleted,
    long? ExpiresAt)
{
    public const int FixedSize = 8 + 8 + 4 + 8 + 4 + 4 + 1;

    private const byte DeletedFlag = 1;
    private const byte ExpiresFlag = 2;

    /// <summary>The longest encoding: with an expiry.</summary>
    public const int MaxEncodedSize = FixedSize + sizeof(long);

    public int EncodedSize => FixedSize + (ExpiresAt is null ? 0 : sizeof(long));

    /// <summary>True when the version is deleted or expired at <paramref name="nowUnixSeconds"/>: reads treat the key as absent.</summary>
    public bool IsGoneAt(long nowUnixSeconds) => Deleted || (ExpiresAt is long at && at <= nowUnixSeconds);

    public byte[] Encode()
    {
        var bytes = new byte[EncodedSize];
        EncodeTo(bytes);
        return bytes;
    }

    /// <summary>Writes the encoding into the start of <paramref name="bytes"/>; returns its length.</summary>
    public int EncodeTo(Span<byte> bytes)
    {
        BinaryPrimitives.WriteUInt64BigEndian(bytes, TxId);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Revision);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[16..], Segment);
        BinaryPrimitives.WriteInt64BigEndian(bytes[20..], ValueOffset);
        BinaryPrimitives.WriteInt32BigEndian(bytes[28..], ValueLength);
        BinaryPrimitives.WriteInt32BigEndian(bytes[32..], EntryIndex);
        bytes[36] = (byte)((Deleted ? DeletedFlag : 0) | (ExpiresAt is null ? 0 : ExpiresFlag));
        if (ExpiresAt is long expiresAt)
        {
            BinaryPrimitives.WriteInt64BigEndian(bytes[FixedSize..], expiresAt);
        }

        return EncodedSize;
    }

    /// <exception cref="FormatException">The bytes are not an encoded version (a damaged index).</exception>
    public static IndexedVersion Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < FixedSize)
        {
            throw new FormatException("Index entry is too short.");
        }

        byte flags = bytes[36];
        bool expires = (flags & ExpiresFlag) != 0;
        if ((flags & ~(DeletedFlag | ExpiresFlag)) != 0 || bytes.Length != FixedSize + (expires ? sizeof(long) : 0))
        {
            throw new FormatException("Index entry is malformed.");
        }

        return new IndexedVersion(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]),
            BinaryPrimitives.ReadInt64BigEndian(bytes[20..]),
            BinaryPrimitives.ReadInt32BigEndian(bytes[28..]),
            BinaryPrimitives.ReadInt32BigEndian(bytes[32..]),
            (flags & DeletedFlag) != 0,
            expires ? BinaryPrimitives.ReadInt64BigEndian(bytes[FixedSize..]) : null);
    }
}
