// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;

namespace Cairn.Storage;

/// <summary>A key and value to set, with optional metadata (expiration, non-indexable).</summary>
/// <param name="Key">User key (without key-space byte).</param>
/// <param name="Value">User value.</param>
/// <param name="Metadata">Entry metadata; any makes the tx a version-1 tx.</param>
public sealed record KeyValue(byte[] Key, byte[] Value, KvMetadata? Metadata = null);

/// <summary>A condition a transaction requires; checked atomically with the commit.</summary>
public abstract record Precondition
{
    /// <summary>The key must have a live value.</summary>
    public sealed record KeyMustExist(byte[] Key) : Precondition;

    /// <summary>The key must have no live value.</summary>
    public sealed record KeyMustNotExist(byte[] Key) : Precondition;

    /// <summary>The key must not have been written after tx <paramref name="TxId"/>.</summary>
    public sealed record KeyNotModifiedAfterTx(byte[] Key, ulong TxId) : Precondition;
}

/// <summary>One operation of an atomic multi-operation transaction (immudb's ExecAll).</summary>
public abstract record Operation
{
    /// <summary>Set a key to a value.</summary>
    public sealed record Put(KeyValue Entry) : Operation;

    /// <summary>Make <paramref name="Key"/> a reference to <paramref name="ReferencedKey"/>, bound to <paramref name="AtTx"/> (0 = latest).</summary>
    public sealed record Reference(byte[] Key, byte[] ReferencedKey, ulong AtTx, bool BoundRef) : Operation;

    /// <summary>Add <paramref name="Key"/> to <paramref name="SortedSet"/> with <paramref name="Score"/>.</summary>
    public sealed record ZAdd(byte[] SortedSet, double Score, byte[] Key, ulong AtTx, bool BoundRef) : Operation;

    /// <summary>Logically delete a key.</summary>
    public sealed record Delete(byte[] Key) : Operation;
}

/// <summary>The reference an entry was reached through.</summary>
/// <param name="TxId">Tx of the reference entry.</param>
/// <param name="Key">The reference's user key.</param>
/// <param name="AtTx">The tx the reference is bound to, 0 when it follows the latest version.</param>
/// <param name="Revision">The reference entry's revision.</param>
/// <param name="Metadata">The reference entry's metadata.</param>
public sealed record EntryReference(ulong TxId, byte[] Key, ulong AtTx, ulong Revision, KvMetadata? Metadata);

/// <summary>A value as read (immudb's Entry): key and value are user bytes.</summary>
/// <param name="TxId">The tx that wrote the value.</param>
/// <param name="Key">User key.</param>
/// <param name="Value">User value.</param>
/// <param name="Revision">1 for a key's first version, then one more per version.</param>
/// <param name="Metadata">Entry metadata.</param>
/// <param name="ReferencedBy">Set when the value was reached through a reference.</param>
/// <param name="Expired">The entry carries an expiration that has passed (history only lists those).</param>
public sealed record Entry(ulong TxId, byte[] Key, byte[] Value, ulong Revision, KvMetadata? Metadata, EntryReference? ReferencedBy, bool Expired = false);

/// <summary>A member of a sorted set as ZScan returns it.</summary>
public sealed record ZEntry(byte[] Set, byte[] Key, Entry Entry, double Score, ulong AtTx);

/// <summary>One entry of a stored transaction: stored key (with key-space byte), value hash and length, metadata, and the stored value when asked for.</summary>
public sealed record TxEntryRecord(byte[] StoredKey, Digest ValueHash, int ValueLength, KvMetadata? Metadata, byte[]? StoredValue)
{
    /// <summary>As the verification library sees it.</summary>
    public TxEntry ToTxEntry() => new(StoredKey, ValueHash, ValueLength, Metadata);
}

/// <summary>A stored transaction: its header, Alh and entries in commit order.</summary>
public sealed record CommittedTx(TxHeader Header, Digest Alh, IReadOnlyList<TxEntryRecord> Entries);
