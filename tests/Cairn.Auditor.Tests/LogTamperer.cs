// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace Cairn.Auditor.Tests;

/// <summary>
/// Alters bytes of a stopped database's transaction records the way an attacker with disk access would: the record
/// is found through <c>tx.loc</c> and its CRC-32C is recomputed, so the server's checksum does not give it away
/// (layout: docs/formats/storage.md).
/// </summary>
public static class LogTamperer
{
    /// <summary>Byte offset of the header's timestamp (i64) within a record.</summary>
    public const int TimestampOffset = 16;

    private const int HeaderSize = 168;

    /// <summary>
    /// Flips the low bit of the record byte at <paramref name="offsetInRecord"/> of tx <paramref name="txId"/>, and
    /// recomputes the record's checksum unless <paramref name="reseal"/> is false (a naive edit, caught by the checksum).
    /// </summary>
    public static void FlipRecordByte(string databaseFolder, ulong txId, int offsetInRecord, bool reseal = true)
    {
        var (segmentFile, offset, length) = Locate(databaseFolder, txId);
        using var file = new FileStream(segmentFile, FileMode.Open, FileAccess.ReadWrite);
        var record = new byte[length];
        file.Position = offset;
        file.ReadExactly(record);
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(record.AsSpan(length - 4)), Crc32C(record.AsSpan(0, length - 4)));
        Assert.Equal(txId, BinaryPrimitives.ReadUInt64BigEndian(record.AsSpan(8)));

        record[offsetInRecord] ^= 0x01;
        if (reseal)
        {
            BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(length - 4), Crc32C(record.AsSpan(0, length - 4)));
        }

        file.Position = offset;
        file.Write(record);
        file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// The offset within its record of the first entry's user value: after the entry's u32 value length, 32-byte value
    /// hash and the stored value's one-byte prefix (0 plain, 1 reference), which is left alone.
    /// </summary>
    public static int FirstUserValueOffset(string databaseFolder, ulong txId)
    {
        var (segmentFile, offset, length) = Locate(databaseFolder, txId);
        using var file = File.OpenRead(segmentFile);
        var record = new byte[length];
        file.Position = offset;
        file.ReadExactly(record);
        int at = HeaderSize + BinaryPrimitives.ReadUInt16BigEndian(record.AsSpan(26));
        at += 2 + BinaryPrimitives.ReadUInt16BigEndian(record.AsSpan(at));     // entry metadata
        at += 2 + BinaryPrimitives.ReadUInt16BigEndian(record.AsSpan(at));     // stored key
        Assert.True(BinaryPrimitives.ReadUInt32BigEndian(record.AsSpan(at)) > 1, "the first entry has no user value");
        return at + 4 + 32 + 1;
    }

    // tx.loc: 16 bytes per tx: u32 segment, u32 record length, u64 offset.
    private static (string SegmentFile, long Offset, int Length) Locate(string databaseFolder, ulong txId)
    {
        var slot = new byte[16];
        using (var locations = File.OpenRead(Path.Combine(databaseFolder, "tx.loc")))
        {
            locations.Position = (long)(txId - 1) * 16;
            locations.ReadExactly(slot);
        }

        uint segment = BinaryPrimitives.ReadUInt32BigEndian(slot);
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(slot.AsSpan(4));
        long offset = BinaryPrimitives.ReadInt64BigEndian(slot.AsSpan(8));
        return (Path.Combine(databaseFolder, "log", segment.ToString("D8", CultureInfo.InvariantCulture) + ".seg"), offset, length);
    }

    // CRC-32C (Castagnoli), pre- and post-inverted, on the CPU's instruction where there is one.
    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
