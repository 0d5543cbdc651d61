// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text.Json;
using Cairn.Engine.Audit;
using Cairn.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Server.Tests;

/// <summary>The audit trail's storage layout: a batch's records as JSON lines in entries of bounded size, keyed by their first record.</summary>
public sealed class AuditChunkTests
{
    [Fact]
    public async Task Records_fill_bounded_entries_in_order_and_a_restart_continues_the_sequence()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "auditdb");
        const int Count = 3000;
        string filler = new('x', 1500); // ~1.8 KB records: a batch of 1,024 spans several entries
        using (var database = Database.Open(path, new DatabaseOptions { CreateIfMissing = true }))
        {
            using var trail = await AuditTrail.StartAsync(database, new AuditOptions(), NullLogger.Instance);
            for (int i = 0; i < Count; i++)
            {
                await trail.RecordAsync(new AuditEvent { Action = AuditAction.Query, User = "u", Method = "Set", Statement = $"{i} {filler}", Success = true, Time = DateTimeOffset.UtcNow });
            }

            await trail.FlushAsync();
            Assert.Equal(Count, trail.Written);
        }

        using (var database = Database.Open(path, new DatabaseOptions()))
        {
            var entries = await database.ScanAsync(new ScanOptions { Prefix = "audit."u8.ToArray(), Limit = 1000, SinceTx = database.LastTxId });
            Assert.True(entries.Count > Count / 140, $"{entries.Count} entries for {Count} records of ~1.8 KB");
            ulong expected = 1;
            foreach (var entry in entries)
            {
                Assert.True(entry.Value.Length <= AuditTrail.ChunkBytes, $"entry of {entry.Value.Length} bytes");
                Assert.Equal(AuditTrail.Key(expected), entry.Key);
                foreach (var record in AuditTrail.Records(entry.Value))
                {
                    var json = JsonDocument.Parse(record).RootElement;
                    Assert.Equal(expected, json.GetProperty("seq").GetUInt64());
                    Assert.StartsWith($"{expected - 1} ", json.GetProperty("statement").GetString(), StringComparison.Ordinal);
                    expected++;
                }
            }

            Assert.Equal((ulong)Count + 1, expected);

            using var trail = await AuditTrail.StartAsync(database, new AuditOptions(), NullLogger.Instance);
            await trail.RecordAsync(new AuditEvent { Action = AuditAction.Query, Method = "Get", Success = true, Time = DateTimeOffset.UtcNow });
            await trail.FlushAsync();
            var last = await database.ScanAsync(new ScanOptions { Prefix = "audit."u8.ToArray(), Desc = true, Limit = 1, SinceTx = database.LastTxId });
            Assert.Equal(AuditTrail.Key(Count + 1), Assert.Single(last).Key);
        }
    }
}
