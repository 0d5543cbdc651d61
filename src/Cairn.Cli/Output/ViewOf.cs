// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Client;
using Cairn.Verification;

namespace Cairn.Cli.Output;

/// <summary>The client's answers as views.</summary>
internal static class ViewOf
{
    public static EntryView Entry(CairnEntry entry, bool? verified = null, ulong? trustedTx = null)
    {
        var (key, keyEncoding) = Bytes.Show(entry.Key);
        var (value, valueEncoding) = Bytes.Show(entry.Value);
        string? referencedBy = entry.ReferencedBy is { } reference ? Bytes.Cell(Bytes.Show(reference.Key).Text, Bytes.Show(reference.Key).Encoding) : null;
        return new EntryView(key, keyEncoding, value, valueEncoding, entry.TxId, entry.Revision, referencedBy, verified, trustedTx);
    }

    public static TxHeaderView Header(TxHeader header, bool? verified = null, ulong? trustedTx = null) =>
        new(header.Id, header.Timestamp, header.EntryCount, header.Alh().ToString(), verified, trustedTx);

    public static ZEntryView ZEntry(CairnZEntry member)
    {
        var (key, keyEncoding) = Bytes.Show(member.Key);
        var (value, valueEncoding) = Bytes.Show(member.Entry.Value);
        return new ZEntryView(Bytes.Cell(Bytes.Show(member.Set).Text, Bytes.Show(member.Set).Encoding), key, keyEncoding, member.Score, member.AtTx, value, valueEncoding, member.Entry.TxId);
    }

    public static TxView Tx(CairnTx tx, bool? verified = null, ulong? trustedTx = null)
    {
        var h = tx.Header;
        return new TxView(h.Id, h.Timestamp, h.Version, h.Alh().ToString(), h.PrevAlh.ToString(), h.BlTxId,
            [.. tx.Entries.Select(TxEntry)], verified, trustedTx, Provenance(tx.Provenance));
    }

    private static ProvenanceView? Provenance(ProvenanceInfo? info) => info switch
    {
        null => null,
        { Provenance: { } p } => new ProvenanceView(info.Status.ToString().ToLowerInvariant(), p.User, p.ClientAddress, p.SessionId, p.Origin, p.RequestId,
            info.RecordDigest?.ToString(), null),
        _ => new ProvenanceView(info.Status.ToString().ToLowerInvariant(), null, null, null, null, null, null, Convert.ToHexStringLower(info.Raw)),
    };

    public static StateView State(ImmutableState state, bool verified) =>
        new(state.Database, state.TxId, state.TxHash.ToString(), state.Signature is not null, verified);

    public static string PermissionName(uint permission) => permission switch
    {
        CairnPermissions.Read => "read",
        CairnPermissions.ReadWrite => "readwrite",
        CairnPermissions.Admin => "admin",
        CairnPermissions.SysAdmin => "sysadmin",
        _ => permission.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static UserView User(CairnUser user) => new(user.Name, user.Active, user.CreatedBy, user.CreatedAt,
        user.Permissions.ToDictionary(p => p.Key, p => PermissionName(p.Value), StringComparer.Ordinal));

    // Stored keys start with their key space: 0 plain keys, 1 sorted-set members, 2 SQL rows.
    private static TxEntryView TxEntry(CairnTxEntry entry)
    {
        byte[] stored = entry.StoredKey;
        string space = stored.Length == 0 ? "?" : stored[0] switch { 0 => "kv", 1 => "zset", 2 => "sql", _ => "?" };
        var (key, encoding) = Bytes.Show(stored.Length == 0 ? stored : stored.AsSpan(1));
        return new TxEntryView(space, key, encoding, entry.ValueHash.ToString(), entry.ValueLength);
    }
}
