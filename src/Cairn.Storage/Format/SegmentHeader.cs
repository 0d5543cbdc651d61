// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;

namespace Cairn.Storage.Format;

/// <summary>
/// The first 64 bytes of a log segment: magic "CAIRNLOG", format version, segment number, then zeros and a
/// CRC-32C of the first 60 bytes. Records follow from byte 64. The rest of a new segment is zero-filled so that
/// appends never change the file's size (fdatasync then skips the inode) and the end of data is the first zero.
/// </summary>
internal static class SegmentHeader
{
    public const int Size = 64;
    public const ulong Magic = 0x434149524E4C4F47; // "CAIRNLOG"
    public const ushort FormatVersion = 1;

    public static void Write(Span<byte> destination, uint segment)
    {
        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], segment);
        BinaryPrimitives.WriteUInt32BigEndian(destination[60..], Crc32C.Compute(destination[..60]));
    }

    /// <summary>Null when the header is valid for <paramref name="segment"/>, else why not.</summary>
    public static string? Check(ReadOnlySpan<byte> header, uint segment)
    {
        if (header.Length < Size || BinaryPrimitives.ReadUInt64BigEndian(header) != Magic)
        {
            return "not a Cairn log segment (bad magic)";
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(header[60..]) != Crc32C.Compute(header[..60]))
        {
            return "segment header checksum mismatch";
        }

        ushort version = BinaryPrimitives.ReadUInt16BigEndian(header[8..]);
        if (version != FormatVersion)
        {
            return $"segment format version {version} is not supported (this build reads version {FormatVersion})";
        }

        uint number = BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
        return number == segment ? null : $"segment header says segment {number}";
    }
}
