// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification;

/// <summary>
/// One entry of a transaction as proofs see it: the stored key (with its key-space byte), the hash of the stored
/// value, the stored value's length and optional metadata. The value itself is not needed to verify a transaction.
/// </summary>
public sealed class TxEntry
{
    private readonly byte[] _key;

    /// <summary>Creates an entry.</summary>
    public TxEntry(ReadOnlySpan<byte> storedKey, Digest valueHash, int valueLength, KvMetadata? metadata = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(valueLength);
        _key = storedKey.ToArray();
        ValueHash = valueHash;
        ValueLength = valueLength;
        Metadata = metadata is { IsEmpty: true } ? null : metadata;
    }

    /// <summary>An entry for <paramref name="storedKey"/> holding <paramref name="storedValue"/>.</summary>
    public static TxEntry ForValue(ReadOnlySpan<byte> storedKey, ReadOnlySpan<byte> storedValue, KvMetadata? metadata = null) =>
        new(storedKey, Digest.Compute(storedValue), storedValue.Length, metadata);

    /// <summary>The stored key, key-space byte included.</summary>
    public ReadOnlyMemory<byte> Key => _key;

    /// <summary>SHA-256 of the stored value.</summary>
    public Digest ValueHash { get; }

    /// <summary>Length of the stored value in bytes.</summary>
    public int ValueLength { get; }

    /// <summary>Entry metadata, null when there is none.</summary>
    public KvMetadata? Metadata { get; }

    /// <summary>The entry's digest under <paramref name="headerVersion"/>.</summary>
    public Digest DigestFor(int headerVersion) => EntryDigest.For(headerVersion, Metadata, _key, ValueHash);
}
