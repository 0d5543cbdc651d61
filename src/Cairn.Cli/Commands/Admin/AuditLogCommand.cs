// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using System.Text;
using System.Text.Json;
using Cairn.Cli.Output;
using Cairn.Client;
using Cairn.Engine;
using Cairn.Engine.Audit;

namespace Cairn.Cli.Commands.Admin;

/// <summary>
/// <c>audit-log</c>: the audit trail's records read from auditdb (entries hold compressed JSON lines, which a plain
/// scan shows as base64), by sequence number or the last ones.
/// </summary>
internal static class AuditLogCommand
{
    // Entries read per scan call; each holds up to 64 KiB of records (a few KiB compressed).
    private const int EntriesPerPage = 64;

    public static Command Create(CommandHost host)
    {
        var from = new Option<ulong>("--from") { Description = "the first record's sequence number", DefaultValueFactory = _ => 1 };
        var limit = new Option<int>("--limit") { Description = "at most this many records", DefaultValueFactory = _ => 100 };
        var last = new Option<int?>("--last") { Description = "the last N records instead (ignores --from)" };
        var command = new Command("audit-log", "Audit records from auditdb (needs sysadmin or read on auditdb).") { from, limit, last };
        host.SetAction(command, async (parse, session, ct) =>
        {
            int count = parse.GetValue(last) ?? parse.GetValue(limit);
            if (count < 1 || parse.GetValue(from) < 1)
            {
                throw new UsageException("--from, --limit and --last must be at least 1");
            }

            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            string? previous = client.Database;
            await client.UseDatabaseAsync(DatabaseNames.Audit, ct).ConfigureAwait(false);
            try
            {
                var records = parse.GetValue(last) is { } n
                    ? await LastAsync(client, n, ct).ConfigureAwait(false)
                    : await FromAsync(client, parse.GetValue(from), count, ct).ConfigureAwait(false);
                session.Output.Render(new AuditRecordsView(records));
            }
            finally
            {
                // The shell keeps its database.
                if (previous is not null && previous != DatabaseNames.Audit)
                {
                    await client.UseDatabaseAsync(previous, ct).ConfigureAwait(false);
                }
            }
        });
        return command;
    }

    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes(AuditTrail.KeyPrefix);

    // Records first..first+count-1: from the entry holding `first` (the last key not after it) onwards.
    private static async Task<IReadOnlyList<JsonElement>> FromAsync(CairnClient client, ulong first, int count, CancellationToken ct)
    {
        var records = new List<JsonElement>();
        var start = await client.ScanAsync(Prefix, seekKey: AuditTrail.Key(first + 1), desc: true, limit: 1, cancellationToken: ct).ConfigureAwait(false);
        var page = start.Count == 1
            ? start
            : await client.ScanAsync(Prefix, limit: EntriesPerPage, cancellationToken: ct).ConfigureAwait(false);
        while (page.Count > 0)
        {
            foreach (var entry in page)
            {
                foreach (var record in Parse(entry))
                {
                    if (Sequence(record) >= first)
                    {
                        records.Add(record);
                        if (records.Count == count)
                        {
                            return records;
                        }
                    }
                }
            }

            page = await client.ScanAsync(Prefix, seekKey: page[^1].Key, limit: EntriesPerPage, cancellationToken: ct).ConfigureAwait(false);
        }

        return records;
    }

    // The last `count` records: entries from the newest back until they hold enough.
    private static async Task<IReadOnlyList<JsonElement>> LastAsync(CairnClient client, int count, CancellationToken ct)
    {
        var newestFirst = new List<IReadOnlyList<JsonElement>>();
        int held = 0;
        byte[]? seek = null;
        while (held < count)
        {
            var page = await client.ScanAsync(Prefix, seekKey: seek, desc: true, limit: EntriesPerPage, cancellationToken: ct).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var entry in page)
            {
                var records = Parse(entry);
                newestFirst.Add(records);
                held += records.Count;
            }

            seek = page[^1].Key;
        }

        var all = newestFirst.AsEnumerable().Reverse().SelectMany(r => r).ToList();
        return all.Count <= count ? all : all[^count..];
    }

    private static List<JsonElement> Parse(CairnEntry entry)
    {
        try
        {
            return [.. AuditChunk.Records(entry.Value).Select(r => JsonDocument.Parse(r).RootElement.Clone())];
        }
        catch (Exception e) when (e is InvalidDataException or JsonException)
        {
            throw new IOException($"auditdb entry {Encoding.ASCII.GetString(entry.Key)} is not an audit record chunk: {e.Message}", e);
        }
    }

    private static ulong Sequence(JsonElement record) => record.TryGetProperty("seq", out var seq) ? seq.GetUInt64() : 0;
}
