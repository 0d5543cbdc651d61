// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text.Json;
using Cairn.Engine.Audit;
using Cairn.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Server.Tests;

/// <summary>The audit trail's bounded queue: a full queue holds callers back, drops only after the wait, and never reorders or gaps.</summary>
public sealed class AuditQueueTests
{
    [Fact]
    public async Task A_full_queue_drops_records_only_after_the_wait_and_the_written_ones_stay_contiguous()
    {
        using var folder = new TempFolder();
        using var database = Database.Open(Path.Combine(folder.Path, "auditdb"), new DatabaseOptions { CreateIfMissing = true });

        // The writer waits 1 s before its first batch, so the 16-record queue stays full past the 100 ms wait.
        var options = new AuditOptions { QueueCapacity = 16, BatchDelay = TimeSpan.FromSeconds(1), FullWait = TimeSpan.FromMilliseconds(100) };
        using var trail = await AuditTrail.StartAsync(database, options, NullLogger.Instance);
        for (int i = 0; i < 20; i++)
        {
            await trail.RecordAsync(Event(i));
        }

        Assert.Equal(4, trail.Dropped);
        await trail.FlushAsync();
        Assert.Equal(16, trail.Written);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => $"record {i}"), await StatementsAsync(database, expectedFirstSequence: 1));
    }

    [Fact]
    public async Task Callers_wait_for_room_and_every_record_is_written_in_order()
    {
        using var folder = new TempFolder();
        using var database = Database.Open(Path.Combine(folder.Path, "auditdb"), new DatabaseOptions { CreateIfMissing = true });
        var options = new AuditOptions { QueueCapacity = 16, BatchDelay = TimeSpan.FromMilliseconds(50), FullWait = TimeSpan.FromSeconds(30) };
        using (var trail = await AuditTrail.StartAsync(database, options, NullLogger.Instance))
        {
            for (int i = 0; i < 100; i++)
            {
                await trail.RecordAsync(Event(i));
            }

            await trail.FlushAsync();
            Assert.Equal(100, trail.Written);
            Assert.Equal(0, trail.Dropped);

            // After Dispose the trail takes no more records, without throwing.
            trail.Dispose();
            await trail.RecordAsync(Event(100));
            Assert.Equal(100, trail.Written);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"record {i}"), await StatementsAsync(database, expectedFirstSequence: 1));
    }

    private static AuditEvent Event(int i) =>
        new() { Action = AuditAction.Query, User = "u", Method = "Set", Statement = $"record {i}", Success = true, Time = DateTimeOffset.UtcNow };

    // The statements of every stored record, checking that sequence numbers run on without a gap.
    private static async Task<List<string>> StatementsAsync(Database database, ulong expectedFirstSequence)
    {
        var entries = await database.ScanAsync(new ScanOptions { Prefix = "audit."u8.ToArray(), Limit = 1000, SinceTx = database.LastTxId });
        var statements = new List<string>();
        ulong expected = expectedFirstSequence;
        foreach (var entry in entries)
        {
            foreach (var record in AuditChunk.Records(entry.Value))
            {
                var json = JsonDocument.Parse(record).RootElement;
                Assert.Equal(expected++, json.GetProperty("seq").GetUInt64());
                statements.Add(json.GetProperty("statement").GetString()!);
            }
        }

        return statements;
    }
}
