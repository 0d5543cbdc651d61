// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;

namespace Cairn.Client;

/// <summary>A value as read: user key and value, the tx that wrote it and the key's revision.</summary>
/// <param name="Key">The key (for a value reached through a reference: the referenced key).</param>
/// <param name="Value">The value.</param>
/// <param name="TxId">The transaction that wrote the value.</param>
/// <param name="Revision">1 for a key's first version, then one more per version (0 when the server does not say).</param>
/// <param name="ReferencedBy">The reference the value was reached through, if any.</param>
/// <param name="Metadata">Entry metadata (deletion, expiration), if any.</param>
/// <param name="Expired">Whether the entry carries an expiration that has passed.</param>
public sealed record CairnEntry(byte[] Key, byte[] Value, ulong TxId, ulong Revision, CairnReference? ReferencedBy, KvMetadata? Metadata, bool Expired);

/// <summary>The reference an entry was reached through.</summary>
/// <param name="TxId">The tx that wrote the reference.</param>
/// <param name="Key">The reference's own key.</param>
/// <param name="AtTx">The tx it is bound to (0: it follows the latest value).</param>
public sealed record CairnReference(ulong TxId, byte[] Key, ulong AtTx);

/// <summary>A member of a sorted set.</summary>
/// <param name="Set">The set.</param>
/// <param name="Key">The member's key.</param>
/// <param name="Score">Its score.</param>
/// <param name="AtTx">The tx the member is bound to (0: latest value).</param>
/// <param name="Entry">The member's value.</param>
public sealed record CairnZEntry(byte[] Set, byte[] Key, double Score, ulong AtTx, CairnEntry Entry);

/// <summary>An entry of a transaction as the server lists it.</summary>
/// <param name="StoredKey">The key as stored, with its key-space prefix (0x00 plain, 0x01 sorted set, 0x02 SQL).</param>
/// <param name="ValueHash">SHA-256 of the stored value.</param>
/// <param name="ValueLength">Length of the stored value.</param>
/// <param name="Metadata">Entry metadata, if any.</param>
public sealed record CairnTxEntry(byte[] StoredKey, Digest ValueHash, int ValueLength, KvMetadata? Metadata);

/// <summary>A transaction: its header and its entries.</summary>
/// <param name="Header">The header (id, timestamps, hashes).</param>
/// <param name="Entries">The entries in order.</param>
public sealed record CairnTx(TxHeader Header, IReadOnlyList<CairnTxEntry> Entries)
{
    /// <summary>
    /// Who wrote the transaction, decoded from the header's metadata <c>extra</c> (docs/formats/provenance.md);
    /// null for a header without it (version 0, or a server with provenance off). It is part of the Alh, so a
    /// verified transaction's provenance is verified too.
    /// </summary>
    public ProvenanceInfo? Provenance => ProvenanceInfo.Of(Header);
}

/// <summary>A user as listed by the server.</summary>
/// <param name="Name">The user name.</param>
/// <param name="Active">Whether the user may log in.</param>
/// <param name="CreatedBy">Who created it.</param>
/// <param name="CreatedAt">When, as the server wrote it.</param>
/// <param name="Permissions">Permission number per database ("*" = 255 for a sysadmin).</param>
public sealed record CairnUser(string Name, bool Active, string CreatedBy, string CreatedAt, IReadOnlyDictionary<string, uint> Permissions);

/// <summary>Permission numbers (immudb's): what a user may do on a database.</summary>
public static class CairnPermissions
{
    /// <summary>Read keys, history, transactions and proofs.</summary>
    public const uint Read = 1;

    /// <summary>Read and write.</summary>
    public const uint ReadWrite = 2;

    /// <summary>Read, write and manage the database's users.</summary>
    public const uint Admin = 254;

    /// <summary>Everything on the whole server (the admin user only).</summary>
    public const uint SysAdmin = 255;
}
