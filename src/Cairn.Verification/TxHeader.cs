// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;

namespace Cairn.Verification;

/// <summary>
/// A transaction header and its two hashes (immudb-format §1.4, §1.5):
/// <list type="bullet">
/// <item>v0 inner hash = H(u64 ts || u32 nentries || eH || u64 blTxId || blRoot)</item>
/// <item>v1 inner hash = H(u64 ts || u16 1 || u16 len(md) || md || u32 nentries || eH || u64 blTxId || blRoot)</item>
/// <item>Alh = H(u64 id || prevAlh || inner hash)</item>
/// </list>
/// </summary>
public sealed class TxHeader : IEquatable<TxHeader>
{
    /// <summary>Header version of immudb 1.0/1.1, verifiable by every immudb SDK.</summary>
    public const int Version0 = 0;

    /// <summary>Header version of immudb 1.2+, with transaction and entry metadata.</summary>
    public const int Version1 = 1;

    private const int V0InnerSize = sizeof(long) + sizeof(uint) + Digest.Size + sizeof(ulong) + Digest.Size;

    /// <summary>Creates a header.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown version or negative entry count.</exception>
    /// <exception cref="ArgumentException">Version 0 with metadata.</exception>
    public TxHeader(
        ulong id,
        Digest prevAlh,
        long timestamp,
        int version,
        TxMetadata? metadata,
        int entryCount,
        Digest entriesHash,
        ulong blTxId,
        Digest blRoot)
    {
        if (version is not (Version0 or Version1))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Transaction header version must be 0 or 1.");
        }

        if (version == Version0 && metadata is { IsEmpty: false })
        {
            throw new ArgumentException("A version 0 transaction header cannot carry metadata.", nameof(metadata));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(entryCount);
        Id = id;
        PrevAlh = prevAlh;
        Timestamp = timestamp;
        Version = version;
        Metadata = metadata is { IsEmpty: true } ? null : metadata;
        EntryCount = entryCount;
        EntriesHash = entriesHash;
        BlTxId = blTxId;
        BlRoot = blRoot;
    }

    /// <summary>Transaction id, 1-based and consecutive.</summary>
    public ulong Id { get; }

    /// <summary>Alh of the previous transaction; H("") for tx 1.</summary>
    public Digest PrevAlh { get; }

    /// <summary>Commit time in Unix seconds.</summary>
    public long Timestamp { get; }

    /// <summary>Header version, 0 or 1.</summary>
    public int Version { get; }

    /// <summary>Transaction metadata (version 1 only), null when none.</summary>
    public TxMetadata? Metadata { get; }

    /// <summary>Number of entries.</summary>
    public int EntryCount { get; }

    /// <summary>Root of the transaction's entry tree (immudb's eH).</summary>
    public Digest EntriesHash { get; }

    /// <summary>How many transactions (1..BlTxId) are linked into the tree over all transactions.</summary>
    public ulong BlTxId { get; }

    /// <summary>Root of the tree over Alh(1..BlTxId); 32 zero bytes when BlTxId is 0.</summary>
    public Digest BlRoot { get; }

    /// <summary>The inner hash, which the linear proof carries for each step.</summary>
    public Digest InnerHash()
    {
        if (Version == Version0)
        {
            Span<byte> buffer = stackalloc byte[V0InnerSize];
            BinaryPrimitives.WriteInt64BigEndian(buffer, Timestamp);
            BinaryPrimitives.WriteUInt32BigEndian(buffer[8..], (uint)EntryCount);
            EntriesHash.WriteTo(buffer[12..]);
            BinaryPrimitives.WriteUInt64BigEndian(buffer[44..], BlTxId);
            BlRoot.WriteTo(buffer[52..]);
            return Digest.Compute(buffer);
        }

        int metadataSize = Metadata?.SerializedSize ?? 0;
        int length = sizeof(long) + sizeof(ushort) + sizeof(ushort) + metadataSize + sizeof(uint) + Digest.Size + sizeof(ulong) + Digest.Size;
        using var scratch = new Scratch(stackalloc byte[512], length);
        var v1 = scratch.Span;
        BinaryPrimitives.WriteInt64BigEndian(v1, Timestamp);
        BinaryPrimitives.WriteUInt16BigEndian(v1[8..], Version1);
        BinaryPrimitives.WriteUInt16BigEndian(v1[10..], (ushort)metadataSize);
        int at = 12;
        if (Metadata is not null)
        {
            at += Metadata.WriteTo(v1[at..]);
        }

        BinaryPrimitives.WriteUInt32BigEndian(v1[at..], (uint)EntryCount);
        at += sizeof(uint);
        EntriesHash.WriteTo(v1[at..]);
        at += Digest.Size;
        BinaryPrimitives.WriteUInt64BigEndian(v1[at..], BlTxId);
        at += sizeof(ulong);
        BlRoot.WriteTo(v1[at..]);
        return Digest.Compute(v1);
    }

    /// <summary>The accumulated linear hash of this transaction.</summary>
    public Digest Alh() => ChainAlh(Id, PrevAlh, InnerHash());

    /// <summary>H(u64 <paramref name="txId"/> || <paramref name="prevAlh"/> || <paramref name="innerHash"/>): one step of the Alh chain.</summary>
    public static Digest ChainAlh(ulong txId, in Digest prevAlh, in Digest innerHash)
    {
        Span<byte> buffer = stackalloc byte[sizeof(ulong) + (2 * Digest.Size)];
        BinaryPrimitives.WriteUInt64BigEndian(buffer, txId);
        prevAlh.WriteTo(buffer[8..]);
        innerHash.WriteTo(buffer[40..]);
        return Digest.Compute(buffer);
    }

    /// <summary>Field-wise equality (metadata compared by its serialized bytes).</summary>
    public bool Equals(TxHeader? other) =>
        other is not null
        && Id == other.Id
        && PrevAlh == other.PrevAlh
        && Timestamp == other.Timestamp
        && Version == other.Version
        && EntryCount == other.EntryCount
        && EntriesHash == other.EntriesHash
        && BlTxId == other.BlTxId
        && BlRoot == other.BlRoot
        && (Metadata?.ToBytes() ?? []).AsSpan().SequenceEqual(other.Metadata?.ToBytes() ?? []);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TxHeader);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Id, EntriesHash, PrevAlh);

    /// <inheritdoc />
    public override string ToString() => $"tx {Id} v{Version} ts={Timestamp} entries={EntryCount} blTxId={BlTxId}";
}
