// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;

namespace Cairn.Verification;

/// <summary>
/// Transaction-header metadata (header version 1). Serialized as attributes in ascending code order:
/// 0 truncated-up-to tx (u64), 1 extra bytes (u16 length || bytes, at most <see cref="MaxExtraSize"/>).
/// </summary>
public sealed class TxMetadata
{
    /// <summary>Attribute code of the truncation point.</summary>
    public const byte TruncatedTxIdCode = 0;

    /// <summary>Attribute code of the free-form extra bytes.</summary>
    public const byte ExtraCode = 1;

    /// <summary>The most extra bytes a header can carry.</summary>
    public const int MaxExtraSize = 256;

    private readonly byte[]? _extra;

    /// <summary>Creates metadata.</summary>
    /// <exception cref="ArgumentException"><paramref name="extra"/> is longer than <see cref="MaxExtraSize"/>.</exception>
    public TxMetadata(ulong? truncatedTxId = null, ReadOnlySpan<byte> extra = default, bool hasExtra = false)
    {
        if (extra.Length > MaxExtraSize)
        {
            throw new ArgumentException($"Transaction metadata extra is at most {MaxExtraSize} bytes, got {extra.Length}.", nameof(extra));
        }

        TruncatedTxId = truncatedTxId;
        _extra = hasExtra || !extra.IsEmpty ? extra.ToArray() : null;
    }

    /// <summary>The tx up to which the log was truncated, if set.</summary>
    public ulong? TruncatedTxId { get; }

    /// <summary>The extra bytes, or null when the attribute is absent (an empty array is a present, empty attribute).</summary>
    public ReadOnlyMemory<byte>? Extra => _extra is null ? (ReadOnlyMemory<byte>?)null : _extra;

    /// <summary>No attribute is set.</summary>
    public bool IsEmpty => TruncatedTxId is null && _extra is null;

    /// <summary>Length of the serialized form.</summary>
    public int SerializedSize =>
        (TruncatedTxId is null ? 0 : 1 + sizeof(ulong)) + (_extra is null ? 0 : 1 + sizeof(ushort) + _extra.Length);

    /// <summary>Writes the serialized attributes; returns the number of bytes written.</summary>
    public int WriteTo(Span<byte> destination)
    {
        int at = 0;
        if (TruncatedTxId is ulong truncated)
        {
            destination[at++] = TruncatedTxIdCode;
            BinaryPrimitives.WriteUInt64BigEndian(destination[at..], truncated);
            at += sizeof(ulong);
        }

        if (_extra is not null)
        {
            destination[at++] = ExtraCode;
            BinaryPrimitives.WriteUInt16BigEndian(destination[at..], (ushort)_extra.Length);
            at += sizeof(ushort);
            _extra.CopyTo(destination[at..]);
            at += _extra.Length;
        }

        return at;
    }

    /// <summary>The serialized attributes.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[SerializedSize];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Parses serialized attributes strictly: known codes, ascending, each at most once.</summary>
    /// <exception cref="FormatException">The bytes are not a valid serialization.</exception>
    public static TxMetadata Parse(ReadOnlySpan<byte> bytes)
    {
        ulong? truncated = null;
        ReadOnlySpan<byte> extra = default;
        bool hasExtra = false;
        int lastCode = -1;
        while (!bytes.IsEmpty)
        {
            byte code = bytes[0];
            bytes = bytes[1..];
            if (code <= lastCode)
            {
                throw new FormatException($"Transaction metadata attribute {code} is repeated or out of order.");
            }

            lastCode = code;
            switch (code)
            {
                case TruncatedTxIdCode:
                    if (bytes.Length < sizeof(ulong))
                    {
                        throw new FormatException("Transaction metadata truncation point is truncated.");
                    }

                    truncated = BinaryPrimitives.ReadUInt64BigEndian(bytes);
                    bytes = bytes[sizeof(ulong)..];
                    break;
                case ExtraCode:
                    if (bytes.Length < sizeof(ushort))
                    {
                        throw new FormatException("Transaction metadata extra length is truncated.");
                    }

                    int length = BinaryPrimitives.ReadUInt16BigEndian(bytes);
                    bytes = bytes[sizeof(ushort)..];
                    if (length > MaxExtraSize || length > bytes.Length)
                    {
                        throw new FormatException($"Transaction metadata extra of {length} bytes is too long or truncated.");
                    }

                    extra = bytes[..length];
                    hasExtra = true;
                    bytes = bytes[length..];
                    break;
                default:
                    throw new FormatException($"Unknown transaction metadata attribute {code}.");
            }
        }

        return new TxMetadata(truncated, extra, hasExtra);
    }
}
