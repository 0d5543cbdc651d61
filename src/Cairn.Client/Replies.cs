// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Client;

/// <summary>Reply messages as the client's types.</summary>
internal static class Replies
{
    public static CairnEntry Entry(Wire.Entry entry) => new(
        entry.Key.ToByteArray(),
        entry.Value.ToByteArray(),
        entry.Tx,
        entry.Revision,
        entry.ReferencedBy is { } reference ? new CairnReference(reference.Tx, reference.Key.ToByteArray(), reference.AtTx) : null,
        WireProofs.Metadata(entry.Metadata),
        entry.Expired);

    public static IReadOnlyList<CairnEntry> Entries(Wire.Entries entries) => [.. entries.Entries_.Select(Entry)];

    public static CairnZEntry ZEntry(Wire.ZEntry entry) => new(entry.Set.ToByteArray(), entry.Key.ToByteArray(), entry.Score, entry.AtTx, Entry(entry.Entry ?? new Wire.Entry()));

    public static CairnTx Tx(Wire.Tx tx)
    {
        try
        {
            return new CairnTx(
                WireProofs.Header(tx.Header, "tx.header"),
                [.. tx.Entries.Select(e => new CairnTxEntry(e.Key.ToByteArray(), WireProofs.Digest(e.HValue, "entry.hValue"), e.VLen, WireProofs.Metadata(e.Metadata)))]);
        }
        catch (IntegrityException e)
        {
            throw new CairnIntegrityException(e);
        }
    }

    public static TxHeader Header(Wire.TxHeader header)
    {
        try
        {
            return WireProofs.Header(header);
        }
        catch (IntegrityException e)
        {
            throw new CairnIntegrityException(e);
        }
    }

    public static CairnUser User(Wire.User user) => new(
        user.User_.ToStringUtf8(),
        user.Active,
        user.Createdby,
        user.Createdat,
        user.Permissions.GroupBy(p => p.Database).ToDictionary(g => g.Key, g => g.Last().Permission_, StringComparer.Ordinal));
}
