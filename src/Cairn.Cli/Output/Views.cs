// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Cli.Output;

// What commands print: one record per kind of answer, rendered as a table or as one JSON document.
// Byte strings come with an optional "...Encoding" member that is "base64" when they are not valid UTF-8.

/// <summary>A value as read; <see cref="Verified"/> and <see cref="TrustedTx"/> only for verified reads.</summary>
internal sealed record EntryView(
    string Key, string? KeyEncoding, string Value, string? ValueEncoding, ulong Tx, ulong Revision,
    string? ReferencedBy = null, bool? Verified = null, ulong? TrustedTx = null);

/// <summary>Values of several keys (history, scan).</summary>
internal sealed record EntriesView(IReadOnlyList<EntryView> Entries);

/// <summary>A committed transaction (set, reference, zadd); <see cref="Verified"/> for verified writes.</summary>
internal sealed record TxHeaderView(ulong Tx, long Timestamp, int Entries, string Alh, bool? Verified = null, ulong? TrustedTx = null);

/// <summary>How many keys have a prefix.</summary>
internal sealed record CountView(string Prefix, ulong Count);

/// <summary>A member of a sorted set.</summary>
internal sealed record ZEntryView(string Set, string Key, string? KeyEncoding, double Score, ulong AtTx, string Value, string? ValueEncoding, ulong Tx);

/// <summary>Members of a sorted set.</summary>
internal sealed record ZEntriesView(IReadOnlyList<ZEntryView> Members);

/// <summary>An entry of a transaction: its key (in which key space) and the hash of its value.</summary>
internal sealed record TxEntryView(string Space, string Key, string? KeyEncoding, string ValueHash, int ValueLength);

/// <summary>A transaction with its entries.</summary>
internal sealed record TxView(ulong Tx, long Timestamp, int Version, string Alh, string PrevAlh, ulong BlTxId, IReadOnlyList<TxEntryView> Entries, bool? Verified = null, ulong? TrustedTx = null, ProvenanceView? Provenance = null);

/// <summary>Who wrote a transaction (docs/formats/provenance.md); raw hex when it does not decode.</summary>
internal sealed record ProvenanceView(string Status, string? User, string? ClientAddress, string? Session, string? Origin, string? RequestId, string? RecordDigest, string? Raw);

/// <summary>Several transactions.</summary>
internal sealed record TxsView(IReadOnlyList<TxView> Txs);

/// <summary>A database's state.</summary>
internal sealed record StateView(string Database, ulong Tx, string TxHash, bool Signed, bool Verified);

/// <summary>The server's health.</summary>
internal sealed record HealthView(bool Healthy, string Version);

/// <summary>Something done, in words (login, logout, use, user and database changes).</summary>
internal sealed record DoneView(string Message);

/// <summary>A user and its permissions by database.</summary>
internal sealed record UserView(string Name, bool Active, string CreatedBy, string CreatedAt, IReadOnlyDictionary<string, string> Permissions);

/// <summary>The users.</summary>
internal sealed record UsersView(IReadOnlyList<UserView> Users);

/// <summary>A granted privilege and where the holder got it.</summary>
internal sealed record GrantView(string Privilege, string Database, string Pattern, string Source);

/// <summary>The grants of a user or role.</summary>
internal sealed record GrantsView(string Holder, IReadOnlyList<GrantView> Grants);

/// <summary>A role, its grants and its members.</summary>
internal sealed record RoleView(string Name, IReadOnlyList<GrantView> Grants, IReadOnlyList<string> Members);

/// <summary>Roles.</summary>
internal sealed record RolesView(IReadOnlyList<RoleView> Roles);

/// <summary>A database.</summary>
internal sealed record DatabaseView(string Name, bool Loaded, ulong Transactions, ulong DiskSize, bool Current);

/// <summary>The databases.</summary>
internal sealed record DatabasesView(IReadOnlyList<DatabaseView> Databases);

/// <summary>The server's version and totals.</summary>
internal sealed record ServerInfoView(string Version, long StartedAt, long Transactions, int Databases, long DiskSize);

/// <summary>Where the offline verification found the first problem of a database.</summary>
internal sealed record VerifyProblemView(string Database, ulong Tx, string File, long Offset, string Message, bool Rebuildable);

/// <summary>One database of an offline verification.</summary>
internal sealed record VerifiedDatabaseView(string Name, ulong Txs, ulong Entries, long Bytes, ulong IndexEntries, bool Ok, IReadOnlyList<VerifyProblemView> Problems);

/// <summary>The offline verification of a data folder.</summary>
internal sealed record VerifySummaryView(string Dir, IReadOnlyList<VerifiedDatabaseView> Databases, ulong Txs, ulong Entries, bool Ok, VerifyProblemView? FirstProblem);

/// <summary>The commands of the shell.</summary>
internal sealed record HelpView(IReadOnlyList<HelpLine> Commands);

/// <summary>One command of the shell.</summary>
internal sealed record HelpLine(string Command, string Description);

/// <summary>Audit records as they are stored (JSON objects, see README "Audit trail").</summary>
internal sealed record AuditRecordsView(IReadOnlyList<System.Text.Json.JsonElement> Records);
