// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.IO.Compression;

namespace Cairn.Engine.Audit;

/// <summary>
/// The value of one auditdb entry: its records as JSON lines (each ending with <c>\n</c>) compressed as one gzip
/// member (RFC 1952). Records repeat most of their fields, so gzip's fastest level shrinks them about tenfold for
/// ~0.15 µs a record: the bytes auditdb hashes, writes and syncs per request were what made the trail slow data
/// writes on a shared disk. Entries written before compression hold the plain JSON lines; both forms are read.
/// </summary>
public static class AuditChunk
{
    /// <summary>The most bytes of JSON one entry may expand to when read; a larger one is refused as damaged.</summary>
    public const int MaxExpandedBytes = 16 << 20;

    // The first two bytes of every gzip member; plain JSON lines start with '{'.
    private const byte GzipMagic1 = 0x1f;
    private const byte GzipMagic2 = 0x8b;

    /// <summary>The entry value for <paramref name="lines"/>; <paramref name="scratch"/> is reused between calls.</summary>
    internal static byte[] Pack(ReadOnlySpan<byte> lines, MemoryStream scratch)
    {
        scratch.SetLength(0);
        using (var gzip = new GZipStream(scratch, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(lines);
        }

        return scratch.ToArray();
    }

    /// <summary>The records stored in one entry's value, in order, each one JSON object without its line break.</summary>
    /// <exception cref="InvalidDataException">The value is neither JSON lines nor a gzip member of them.</exception>
    public static IReadOnlyList<ReadOnlyMemory<byte>> Records(ReadOnlyMemory<byte> value)
    {
        var lines = IsCompressed(value.Span) ? Expand(value) : value;
        var records = new List<ReadOnlyMemory<byte>>();
        int start = 0;
        var span = lines.Span;
        for (int i = 0; i <= span.Length; i++)
        {
            if (i == span.Length || span[i] == (byte)'\n')
            {
                if (i > start)
                {
                    records.Add(lines[start..i]);
                }

                start = i + 1;
            }
        }

        return records;
    }

    private static bool IsCompressed(ReadOnlySpan<byte> value) => value.Length >= 2 && value[0] == GzipMagic1 && value[1] == GzipMagic2;

    private static byte[] Expand(ReadOnlyMemory<byte> value)
    {
        using var compressed = new MemoryStream(value.ToArray(), writable: false);
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var expanded = new MemoryStream();
        var buffer = new byte[16 << 10];
        for (int read; (read = gzip.Read(buffer)) > 0;)
        {
            if (expanded.Length + read > MaxExpandedBytes)
            {
                throw new InvalidDataException($"an audit entry expands past {MaxExpandedBytes} bytes");
            }

            expanded.Write(buffer, 0, read);
        }

        return expanded.ToArray();
    }
}
