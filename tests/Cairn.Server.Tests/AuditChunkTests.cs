// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.IO.Compression;
using System.Text.Json;
using Cairn.Engine.Audit;
using Cairn.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Server.Tests;

/// <summary>The audit trail's storage layout: a batch's records as gzip-compressed JSON lines in entries of bounded size, keyed by their first record.</summary>
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
                Assert.Equal(AuditTrail.Key(expected), entry.Key);

                // A standard gzip member of JSON lines, each ending with a line break, at most ChunkBytes of them.
                byte[] lines = Gunzip(entry.Value);
                Assert.True(lines.Length <= AuditTrail.ChunkBytes, $"entry of {lines.Length} bytes of JSON");
                Assert.Equal((byte)'\n', lines[^1]);
                Assert.True(entry.Value.Length < lines.Length / 5, $"{entry.Value.Length} bytes stored for {lines.Length} bytes of JSON");
                var records = AuditChunk.Records(entry.Value);
                Assert.Equal(lines.Count(b => b == (byte)'\n'), records.Count);
                foreach (var record in records)
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

    [Fact]
    public void Plain_json_lines_of_older_entries_are_read_and_a_damaged_entry_is_refused()
    {
        // Entries written before compression hold the JSON lines themselves, without a final line break.
        var plain = AuditChunk.Records("{\"seq\":1}\n{\"seq\":2}"u8.ToArray());
        Assert.Equal(["{\"seq\":1}", "{\"seq\":2}"], plain.Select(r => System.Text.Encoding.UTF8.GetString(r.Span)));

        byte[] packed = Gzip("{\"seq\":3}\n"u8.ToArray());
        Assert.Equal("{\"seq\":3}", System.Text.Encoding.UTF8.GetString(Assert.Single(AuditChunk.Records(packed)).Span));

        byte[] damaged = (byte[])packed.Clone();
        damaged[packed.Length / 2] ^= 0xff;
        Assert.ThrowsAny<InvalidDataException>(() => AuditChunk.Records(damaged));
    }

    [Fact]
    public void A_record_escapes_only_what_JSON_requires()
    {
        string[] keys = ["base64:ab+/cd==", "quote\" and\nbreak", "naïve <tag> & 'x'"];
        var body = new AuditEvent { Action = AuditAction.Query, Keys = keys, KeysTotal = keys.Length, Success = true, Time = DateTimeOffset.UnixEpoch }.ToJsonBody();
        string text = System.Text.Encoding.UTF8.GetString(body);

        Assert.Contains("\"base64:ab+/cd==\"", text, StringComparison.Ordinal);
        Assert.Contains("\"naïve <tag> & 'x'\"", text, StringComparison.Ordinal);
        Assert.Contains("quote\\\" and\\nbreak", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", text, StringComparison.Ordinal);
        Assert.Equal(keys, JsonDocument.Parse(body).RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
    }

    private static byte[] Gzip(byte[] lines)
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Optimal))
        {
            gzip.Write(lines);
        }

        return packed.ToArray();
    }

    private static byte[] Gunzip(byte[] value)
    {
        using var gzip = new GZipStream(new MemoryStream(value), CompressionMode.Decompress);
        using var lines = new MemoryStream();
        gzip.CopyTo(lines);
        return lines.ToArray();
    }
}
