// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using BenchmarkDotNet.Attributes;
using Cairn.Engine.Audit;
using Cairn.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Benchmarks.Audit;

/// <summary>
/// The audit trail's cost on the request path of one allowed single-key <c>Set</c>: its two records (authorization,
/// query) serialized and queued on a live trail over a real auditdb in a temporary folder, whose writer drains them
/// in the background as in the server. The baseline is one record's JSON alone.
/// </summary>
public class AuditTrailBenchmarks
{
    private readonly AuditEvent _query = new()
    {
        Action = AuditAction.Query,
        User = "immudb",
        Address = "ipv4:127.0.0.1:50412",
        Connection = "0HNHG0D2A4V1K",
        Database = "defaultdb",
        Permission = "readwrite",
        Method = "Set",
        Keys = ["sensors.7f3a9c01e2b4d5f6.temp"],
        KeysTotal = 1,
        Success = true,
        Duration = TimeSpan.FromMicroseconds(57),
        Time = DateTimeOffset.UtcNow,
    };

    private string _folder = "";
    private Database _database = null!;
    private AuditTrail _trail = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "cairn-bench-audit-" + Guid.NewGuid().ToString("N"));
        _database = Database.Open(_folder, new DatabaseOptions { CreateIfMissing = true });
        _trail = AuditTrail.StartAsync(_database, new AuditOptions(), NullLogger.Instance).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trail.Dispose();
        _database.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "one record's JSON (baseline)")]
    public int Json() => _query.ToJsonBody().Length;

    [Benchmark(Description = "an allowed Set's two records, queued")]
    public async Task AllowedSet()
    {
        await _trail.RecordAsync(_query with { Action = AuditAction.Authorization, Duration = TimeSpan.FromMicroseconds(3) });
        await _trail.RecordAsync(_query);
    }
}
