// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;

namespace Cairn.Verification;

/// <summary>
/// Per-entry metadata (immudb 1.2+, header version 1 only). Serialized as attributes in ascending code order,
/// each code(1) || payload: 0 deleted (no payload), 1 expiresAt (u64 Unix seconds), 2 non-indexable (no payload).
/// </summary>
public sealed record KvMetadata
{
    /// <summary>Attribute code of a logical delete.</summary>
    public const byte DeletedCode = 0;

    /// <summary>Attribute code of an expiration time.</summary>
    public const byte ExpiresAtCode = 1;

    /// <summary>Attribute code of an entry kept out of the index.</summary>
    public const byte NonIndexableCode = 2;

    /// <summary>The largest serialized form: all three attributes.</summary>
    public const int MaxSerializedSize = 1 + 1 + sizeof(ulong) + 1;

    /// <summary>The entry marks its key as logically deleted.</summary>
    public bool Deleted { get; init; }

    /// <summary>When the entry expires, in Unix seconds; null when it never does.</summary>
    public long? ExpiresAt { get; init; }

    /// <summary>The entry is in the log but not in the key index.</summary>
    public bool NonIndexable { get; init; }

    /// <summary>No attribute is set; such metadata serializes to nothing.</summary>
    public bool IsEmpty => !Deleted && ExpiresAt is null && !NonIndexable;

    /// <summary>Length of <see cref="WriteTo"/>'s output.</summary>
    public int SerializedSize => (Deleted ? 1 : 0) + (ExpiresAt is null ? 0 : 1 + sizeof(ulong)) + (NonIndexable ? 1 : 0);

    /// <summary>Writes the serialized attributes; returns the number of bytes written.</summary>
    public int WriteTo(Span<byte> destination)
    {
        int at = 0;
        if (Deleted)
        {
            destination[at++] = DeletedCode;
        }

        if (ExpiresAt is long expiresAt)
        {
            destination[at++] = ExpiresAtCode;
            BinaryPrimitives.WriteUInt64BigEndian(destination[at..], unchecked((ulong)expiresAt));
            at += sizeof(ulong);
        }

        if (NonIndexable)
        {
            destination[at++] = NonIndexableCode;
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
    public static KvMetadata Parse(ReadOnlySpan<byte> bytes)
    {
        bool deleted = false, nonIndexable = false;
        long? expiresAt = null;
        int lastCode = -1;
        while (!bytes.IsEmpty)
        {
            byte code = bytes[0];
            bytes = bytes[1..];
            if (code <= lastCode)
            {
                throw new FormatException($"KV metadata attribute {code} is repeated or out of order.");
            }

            lastCode = code;
            switch (code)
            {
                case DeletedCode:
                    deleted = true;
                    break;
                case ExpiresAtCode:
                    if (bytes.Length < sizeof(ulong))
                    {
                        throw new FormatException("KV metadata expiration is truncated.");
                    }

                    expiresAt = unchecked((long)BinaryPrimitives.ReadUInt64BigEndian(bytes));
                    bytes = bytes[sizeof(ulong)..];
                    break;
                case NonIndexableCode:
                    nonIndexable = true;
                    break;
                default:
                    throw new FormatException($"Unknown KV metadata attribute {code}.");
            }
        }

        return new KvMetadata { Deleted = deleted, ExpiresAt = expiresAt, NonIndexable = nonIndexable };
    }
}
