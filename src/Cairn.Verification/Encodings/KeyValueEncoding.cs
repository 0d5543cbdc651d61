// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;

namespace Cairn.Verification.Encodings;

/// <summary>
/// Stored keys and values of the key-value space (immudb-format §1.1):
/// plain entry = (0x00 || key, 0x00 || value); reference = (0x00 || key, 0x01 || u64(atTx) || 0x00 || referencedKey).
/// </summary>
public static class KeyValueEncoding
{
    /// <summary>First byte of a plain stored value.</summary>
    public const byte PlainValuePrefix = 0x00;

    /// <summary>First byte of a reference's stored value.</summary>
    public const byte ReferenceValuePrefix = 0x01;

    /// <summary>Size of a reference value before the referenced key: prefix, u64 atTx, key-space byte.</summary>
    public const int ReferenceHeaderSize = 1 + sizeof(ulong) + 1;

    /// <summary>0x00 || <paramref name="key"/>.</summary>
    public static byte[] StoredKey(ReadOnlySpan<byte> key) => Prefixed(KeySpaces.KeyValue, key);

    /// <summary>0x00 || <paramref name="value"/>.</summary>
    public static byte[] PlainValue(ReadOnlySpan<byte> value) => Prefixed(PlainValuePrefix, value);

    /// <summary>0x01 || u64(<paramref name="atTx"/>) || 0x00 || <paramref name="referencedKey"/>; atTx 0 follows the latest version.</summary>
    public static byte[] ReferenceValue(ulong atTx, ReadOnlySpan<byte> referencedKey)
    {
        var stored = new byte[ReferenceHeaderSize + referencedKey.Length];
        stored[0] = ReferenceValuePrefix;
        BinaryPrimitives.WriteUInt64BigEndian(stored.AsSpan(1), atTx);
        stored[1 + sizeof(ulong)] = KeySpaces.KeyValue;
        referencedKey.CopyTo(stored.AsSpan(ReferenceHeaderSize));
        return stored;
    }

    /// <summary>The user key of a key-value stored key, or false when the key belongs to another key space.</summary>
    public static bool TryGetUserKey(ReadOnlySpan<byte> storedKey, out ReadOnlySpan<byte> userKey)
    {
        if (storedKey.IsEmpty || storedKey[0] != KeySpaces.KeyValue)
        {
            userKey = default;
            return false;
        }

        userKey = storedKey[1..];
        return true;
    }

    /// <summary>Reads a reference's stored value; false when the value is not a well-formed reference.</summary>
    public static bool TryParseReference(ReadOnlySpan<byte> storedValue, out ulong atTx, out ReadOnlySpan<byte> referencedKey)
    {
        if (storedValue.Length < ReferenceHeaderSize
            || storedValue[0] != ReferenceValuePrefix
            || storedValue[1 + sizeof(ulong)] != KeySpaces.KeyValue)
        {
            atTx = 0;
            referencedKey = default;
            return false;
        }

        atTx = BinaryPrimitives.ReadUInt64BigEndian(storedValue[1..]);
        referencedKey = storedValue[ReferenceHeaderSize..];
        return true;
    }

    private static byte[] Prefixed(byte prefix, ReadOnlySpan<byte> rest)
    {
        var stored = new byte[1 + rest.Length];
        stored[0] = prefix;
        rest.CopyTo(stored.AsSpan(1));
        return stored;
    }
}
