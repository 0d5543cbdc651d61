// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using Spectre.Console;

namespace Cairn.Cli.Output;

/// <summary>The table form of each view.</summary>
internal static class Tables
{
    public static void Render(Renderer output, object view)
    {
        switch (view)
        {
            case EntryView entry:
                Show(output, EntryTable(output, [entry]));
                Verification(output, entry.Verified, entry.TrustedTx);
                break;
            case EntriesView entries:
                Show(output, EntryTable(output, entries.Entries));
                output.Line(Count(entries.Entries.Count, "entry", "entries"));
                break;
            case TxHeaderView header:
                Show(output, Rows(output, ("tx", N(header.Tx)), ("timestamp", Time(header.Timestamp)), ("entries", N(header.Entries)), ("alh", header.Alh)));
                Verification(output, header.Verified, header.TrustedTx);
                break;
            case CountView count:
                Show(output, Rows(output, ("prefix", count.Prefix), ("count", N(count.Count))));
                break;
            case ZEntriesView members:
                var zTable = output.NewTable("set", "key", "score", "at tx", "value", "tx");
                foreach (var m in members.Members)
                {
                    zTable.AddRow(Cells(m.Set, Bytes.Cell(m.Key, m.KeyEncoding), m.Score.ToString(CultureInfo.InvariantCulture), N(m.AtTx), Bytes.Cell(m.Value, m.ValueEncoding), N(m.Tx)));
                }

                Show(output, zTable);
                output.Line(Count(members.Members.Count, "member", "members"));
                break;
            case TxView tx:
                TxTables(output, tx);
                Verification(output, tx.Verified, tx.TrustedTx);
                break;
            case TxsView txs:
                var txTable = output.NewTable("tx", "timestamp", "entries", "keys");
                foreach (var tx in txs.Txs)
                {
                    txTable.AddRow(Cells(N(tx.Tx), Time(tx.Timestamp), N(tx.Entries.Count), string.Join(", ", tx.Entries.Select(e => Bytes.Cell(e.Key, e.KeyEncoding)))));
                }

                Show(output, txTable);
                output.Line(Count(txs.Txs.Count, "transaction", "transactions"));
                break;
            case StateView state:
                Show(output, Rows(output, ("database", state.Database), ("tx", N(state.Tx)), ("tx hash", state.TxHash), ("signed", state.Signed ? "yes" : "no")));
                Verification(output, state.Verified, state.Tx);
                break;
            case HealthView health:
                Show(output, Rows(output, ("healthy", health.Healthy ? "yes" : "no"), ("version", health.Version)));
                break;
            case DoneView done:
                output.Line(done.Message);
                break;
            case UsersView users:
                var userTable = output.NewTable("user", "active", "permissions", "created by", "created at");
                foreach (var u in users.Users)
                {
                    userTable.AddRow(Cells(u.Name, u.Active ? "yes" : "no", string.Join(", ", u.Permissions.Select(p => $"{p.Key}:{p.Value}")), u.CreatedBy, u.CreatedAt));
                }

                Show(output, userTable);
                break;
            case GrantsView grants:
                var grantTable = output.NewTable("privilege", "database", "keys", "from");
                foreach (var g in grants.Grants)
                {
                    grantTable.AddRow(Cells(g.Privilege, g.Database, g.Pattern, g.Source));
                }

                Show(output, grantTable);
                output.Line(Count(grants.Grants.Count, "grant", "grants") + " of " + grants.Holder);
                break;
            case AuditRecordsView audit:
                var auditTable = output.NewTable("seq", "time", "action", "user", "address", "database", "permission", "request", "ok", "error", "ms");
                foreach (var r in audit.Records)
                {
                    auditTable.AddRow(Cells(Field(r, "seq"), Field(r, "time"), Field(r, "action"), Field(r, "user"), Field(r, "address"), Field(r, "database"),
                        Field(r, "permission"), AuditRequest(r), Field(r, "success") == "true" ? "yes" : "no", Field(r, "error"), Field(r, "durationMs")));
                }

                Show(output, auditTable);
                output.Line(Count(audit.Records.Count, "record", "records"));
                break;
            case RolesView roles:
                var roleTable = output.NewTable("role", "grants", "members");
                foreach (var r in roles.Roles)
                {
                    roleTable.AddRow(Cells(r.Name, string.Join(", ", r.Grants.Select(g => g.Pattern.Length == 0 ? $"{g.Privilege}@{g.Database}" : $"{g.Privilege}@{g.Database}:{g.Pattern}")), string.Join(", ", r.Members)));
                }

                Show(output, roleTable);
                break;
            case DatabasesView databases:
                var dbTable = output.NewTable("database", "loaded", "transactions", "disk size", "in use");
                foreach (var d in databases.Databases)
                {
                    dbTable.AddRow(Cells(d.Name, d.Loaded ? "yes" : "no", N(d.Transactions), N(d.DiskSize), d.Current ? "*" : string.Empty));
                }

                Show(output, dbTable);
                break;
            case ServerInfoView info:
                Show(output, Rows(output, ("version", info.Version), ("started at", Time(info.StartedAt)), ("transactions", N(info.Transactions)),
                    ("databases", N(info.Databases)), ("disk size", N(info.DiskSize))));
                break;
            case VerifySummaryView summary:
                VerifyTable(output, summary);
                break;
            case HelpView help:
                var helpTable = output.NewTable("command", "what");
                foreach (var line in help.Commands)
                {
                    helpTable.AddRow(Cells(line.Command, line.Description));
                }

                Show(output, helpTable);
                output.Line("COMMAND --help shows its arguments and options.");
                break;
            default:
                throw new ArgumentException($"no table for {view.GetType().Name}", nameof(view));
        }
    }

    private static Table EntryTable(Renderer output, IReadOnlyList<EntryView> entries)
    {
        var table = output.NewTable("key", "value", "tx", "revision");
        bool references = entries.Any(e => e.ReferencedBy is not null);
        if (references)
        {
            table.AddColumn("referenced by");
        }

        foreach (var e in entries)
        {
            var cells = new List<string> { Bytes.Cell(e.Key, e.KeyEncoding), Bytes.Cell(e.Value, e.ValueEncoding), N(e.Tx), N(e.Revision) };
            if (references)
            {
                cells.Add(e.ReferencedBy ?? string.Empty);
            }

            table.AddRow(Cells([.. cells]));
        }

        return table;
    }

    private static void TxTables(Renderer output, TxView tx)
    {
        Show(output, Rows(output, ("tx", N(tx.Tx)), ("timestamp", Time(tx.Timestamp)), ("version", N(tx.Version)), ("alh", tx.Alh), ("prev alh", tx.PrevAlh), ("bl tx", N(tx.BlTxId))));
        if (tx.Provenance is { } p)
        {
            var rows = new (string Name, string? Value)[]
            {
                ("provenance", p.Status), ("user", p.User), ("client address", p.ClientAddress), ("session", p.Session),
                ("origin", p.Origin), ("request id", p.RequestId), ("full record sha-256", p.RecordDigest), ("raw", p.Raw),
            };
            Show(output, Rows(output, [.. rows.Where(r => r.Value is not null).Select(r => (r.Name, Bytes.Show(System.Text.Encoding.UTF8.GetBytes(r.Value!)).Text))]));
        }

        var entries = output.NewTable("space", "key", "value hash", "value length");
        foreach (var e in tx.Entries)
        {
            entries.AddRow(Cells(e.Space, Bytes.Cell(e.Key, e.KeyEncoding), e.ValueHash, N(e.ValueLength)));
        }

        Show(output, entries);
    }

    private static void VerifyTable(Renderer output, VerifySummaryView summary)
    {
        var table = output.NewTable("database", "txs", "entries", "log bytes", "index entries", "result");
        foreach (var d in summary.Databases)
        {
            table.AddRow(Cells(d.Name, N(d.Txs), N(d.Entries), N(d.Bytes), N(d.IndexEntries), d.Ok ? "ok" : $"FAILED ({d.Problems.Count} problem{(d.Problems.Count == 1 ? string.Empty : "s")})"));
        }

        Show(output, table);
        foreach (var problem in summary.Databases.SelectMany(d => d.Problems))
        {
            output.Line($"{problem.Database}: {Describe(problem)}");
        }

        output.Line(string.Create(CultureInfo.InvariantCulture,
            $"{(summary.Ok ? "verified" : "NOT verified")}: {summary.Databases.Count} databases, {summary.Txs} txs, {summary.Entries} entries checked in {summary.Dir}"));
    }

    /// <summary>A problem in one line: tx, file, offset and what.</summary>
    public static string Describe(VerifyProblemView p) => string.Create(CultureInfo.InvariantCulture,
        $"{(p.Tx > 0 ? $"tx {p.Tx}, " : string.Empty)}file {p.File}, offset {p.Offset}: {p.Message}{(p.Rebuildable ? " (derived file: rebuilt on open)" : string.Empty)}");

    private static void Verification(Renderer output, bool? verified, ulong? trustedTx)
    {
        if (verified == true)
        {
            output.Console.Write(output.IsTerminal ? new Markup($"[green]verified[/], trusted tx {trustedTx}\n") : new Text($"verified, trusted tx {trustedTx}\n"));
        }
    }

    private static Table Rows(Renderer output, params (string Name, string Value)[] rows)
    {
        var table = output.NewTable("field", "value");
        table.HideHeaders();
        foreach (var (name, value) in rows)
        {
            table.AddRow(Cells(name, value));
        }

        return table;
    }

    private static void Show(Renderer output, Table table) => output.Console.Write(table);

    // Values are shown as they are: never interpreted as Spectre markup.
    // A record's field as text; empty when null or absent.
    private static string Field(System.Text.Json.JsonElement record, string name) =>
        !record.TryGetProperty(name, out var value) || value.ValueKind == System.Text.Json.JsonValueKind.Null ? string.Empty
        : value.ValueKind == System.Text.Json.JsonValueKind.String ? Bytes.Cell(value.GetString()!, null) : value.GetRawText();

    // The method and what it names: its keys (and how many more), or its statement.
    private static string AuditRequest(System.Text.Json.JsonElement record)
    {
        var keys = record.TryGetProperty("keys", out var list) && list.ValueKind == System.Text.Json.JsonValueKind.Array
            ? list.EnumerateArray().Select(k => Bytes.Cell(k.GetString() ?? string.Empty, null)).ToList() : [];
        string more = record.TryGetProperty("keysTruncated", out var cut) && cut.ValueKind == System.Text.Json.JsonValueKind.True ? $" (of {Field(record, "keysTotal")})" : string.Empty;
        string names = keys.Count > 0 ? string.Join(", ", keys) + more : Field(record, "statement");
        return names.Length == 0 ? Field(record, "method") : $"{Field(record, "method")} {names}";
    }

    private static Text[] Cells(params string[] values) => [.. values.Select(v => new Text(v))];

    private static string N<T>(T number)
        where T : IFormattable => number.ToString(null, CultureInfo.InvariantCulture);

    private static string Time(long unixSeconds) => unixSeconds <= 0
        ? "-"
        : DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Count(int count, string one, string many) => string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? one : many)}");
}
