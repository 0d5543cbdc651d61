// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;

namespace Cairn.Verification;

/// <summary>
/// The digest of one entry, the leaf input of its transaction's Merkle tree (immudb-format §1.2).
/// Version 0: H(storedKey || H(storedValue)). Version 1: H(u16(len md) || md || u16(len key) || storedKey || H(storedValue)).
/// </summary>
public static class EntryDigest
{
    /// <summary>The digest of an entry under header version 0.</summary>
    public static Digest V0(ReadOnlySpan<byte> storedKey, in Digest valueHash)
    {
        using var scratch = new Scratch(stackalloc byte[512], storedKey.Length + Digest.Size);
        var buffer = scratch.Span;
        storedKey.CopyTo(buffer);
        valueHash.WriteTo(buffer[storedKey.Length..]);
        return Digest.Compute(buffer);
    }

    /// <summary>The digest of an entry under header version 1; <paramref name="metadata"/> may be null.</summary>
    /// <exception cref="ArgumentException">The key is longer than a u16 length can say.</exception>
    public static Digest V1(KvMetadata? metadata, ReadOnlySpan<byte> storedKey, in Digest valueHash)
    {
        if (storedKey.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"A stored key is at most {ushort.MaxValue} bytes under header version 1.", nameof(storedKey));
        }

        int metadataSize = metadata?.SerializedSize ?? 0;
        int length = sizeof(ushort) + metadataSize + sizeof(ushort) + storedKey.Length + Digest.Size;
        using var scratch = new Scratch(stackalloc byte[512], length);
        var buffer = scratch.Span;
        BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)metadataSize);
        int at = sizeof(ushort);
        if (metadata is not null)
        {
            at += metadata.WriteTo(buffer[at..]);
        }

        BinaryPrimitives.WriteUInt16BigEndian(buffer[at..], (ushort)storedKey.Length);
        at += sizeof(ushort);
        storedKey.CopyTo(buffer[at..]);
        at += storedKey.Length;
        valueHash.WriteTo(buffer[at..]);
        return Digest.Compute(buffer);
    }

    /// <summary>The digest of an entry under <paramref name="headerVersion"/>.</summary>
    /// <exception cref="ArgumentException">Version 0 with metadata, or an unknown version.</exception>
    public static Digest For(int headerVersion, KvMetadata? metadata, ReadOnlySpan<byte> storedKey, in Digest valueHash)
    {
        switch (headerVersion)
        {
            case TxHeader.Version0:
                if (metadata is not null && !metadata.IsEmpty)
                {
                    throw new ArgumentException("Entries of a version 0 transaction cannot carry metadata.", nameof(metadata));
                }

                return V0(storedKey, valueHash);
            case TxHeader.Version1:
                return V1(metadata, storedKey, valueHash);
            default:
                throw new ArgumentOutOfRangeException(nameof(headerVersion), headerVersion, "Transaction header version must be 0 or 1.");
        }
    }
}
