// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;

namespace Cairn.Verification.Encodings;

/// <summary>A decoded sorted-set member key.</summary>
/// <param name="Set">The set name.</param>
/// <param name="Score">The score.</param>
/// <param name="Key">The member's user key (without the key-space byte).</param>
/// <param name="AtTx">The tx the member is bound to, 0 for the latest version.</param>
public readonly record struct SortedSetMember(byte[] Set, double Score, byte[] Key, ulong AtTx);

/// <summary>
/// Stored key of a sorted-set member (immudb-format §1.1):
/// 0x01 || u64(len(set)) || set || u64(bits(score)) || u64(len(eKey)) || eKey || u64(atTx), with eKey = 0x00 || key.
/// The stored value is empty. Scores are raw IEEE-754 bits, big-endian, with no sign flip (immudb's order).
/// </summary>
public static class SortedSetEncoding
{
    private const int FixedSize = 1 + (4 * sizeof(ulong)) + 1;

    /// <summary>The stored key of member <paramref name="key"/> of <paramref name="set"/>.</summary>
    public static byte[] StoredKey(ReadOnlySpan<byte> set, double score, ReadOnlySpan<byte> key, ulong atTx)
    {
        var stored = new byte[FixedSize + set.Length + key.Length];
        var span = stored.AsSpan();
        span[0] = KeySpaces.SortedSet;
        int at = 1;
        BinaryPrimitives.WriteUInt64BigEndian(span[at..], (ulong)set.Length);
        at += sizeof(ulong);
        set.CopyTo(span[at..]);
        at += set.Length;
        BinaryPrimitives.WriteUInt64BigEndian(span[at..], BitConverter.DoubleToUInt64Bits(score));
        at += sizeof(ulong);
        BinaryPrimitives.WriteUInt64BigEndian(span[at..], (ulong)key.Length + 1);
        at += sizeof(ulong);
        span[at++] = KeySpaces.KeyValue;
        key.CopyTo(span[at..]);
        at += key.Length;
        BinaryPrimitives.WriteUInt64BigEndian(span[at..], atTx);
        return stored;
    }

    /// <summary>
    /// The common prefix of every member key of <paramref name="set"/>: 0x01 || u64(len(set)) || set.
    /// Index scans by score start here.
    /// </summary>
    public static byte[] SetPrefix(ReadOnlySpan<byte> set)
    {
        var prefix = new byte[1 + sizeof(ulong) + set.Length];
        prefix[0] = KeySpaces.SortedSet;
        BinaryPrimitives.WriteUInt64BigEndian(prefix.AsSpan(1), (ulong)set.Length);
        set.CopyTo(prefix.AsSpan(1 + sizeof(ulong)));
        return prefix;
    }

    /// <summary>Decodes a stored member key; false when it is not a well-formed sorted-set key.</summary>
    public static bool TryParse(ReadOnlySpan<byte> storedKey, out SortedSetMember member)
    {
        member = default;
        if (storedKey.Length < FixedSize || storedKey[0] != KeySpaces.SortedSet)
        {
            return false;
        }

        var rest = storedKey[1..];
        ulong setLength = BinaryPrimitives.ReadUInt64BigEndian(rest);
        rest = rest[sizeof(ulong)..];
        if (setLength > (ulong)rest.Length)
        {
            return false;
        }

        var set = rest[..(int)setLength];
        rest = rest[(int)setLength..];
        if (rest.Length < 3 * sizeof(ulong))
        {
            return false;
        }

        double score = BitConverter.UInt64BitsToDouble(BinaryPrimitives.ReadUInt64BigEndian(rest));
        ulong keyLength = BinaryPrimitives.ReadUInt64BigEndian(rest[sizeof(ulong)..]);
        rest = rest[(2 * sizeof(ulong))..];
        if (keyLength == 0 || keyLength != (ulong)(rest.Length - sizeof(ulong)) || rest[0] != KeySpaces.KeyValue)
        {
            return false;
        }

        var key = rest[1..(int)keyLength];
        ulong atTx = BinaryPrimitives.ReadUInt64BigEndian(rest[(int)keyLength..]);
        member = new SortedSetMember(set.ToArray(), score, key.ToArray(), atTx);
        return true;
    }
}
