// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;
using Cairn.Engine.Audit;
using Cairn.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.LoadGen;

/// <summary>
/// The engine as the server runs it with the audit trail on: each write, once durable, reports the two records a
/// gRPC write makes (authorization allowed, query done, with its keys) to an <see cref="AuditTrail"/> over an
/// auditdb on the same disk, optionally also writing the JSON-lines file.
/// </summary>
internal sealed class AuditedTarget : ITarget
{
    private readonly CairnTarget _data;
    private readonly Database _auditDb;
    private readonly AuditTrail _trail;

    public AuditedTarget(string folder, bool waitForIndex, bool logFile)
    {
        _data = new CairnTarget(Path.Combine(folder, "data"), waitForIndex);
        _auditDb = Database.Open(Path.Combine(folder, "auditdb"), new DatabaseOptions { Name = "auditdb" });
        var options = new AuditOptions { LogFile = logFile ? Path.Combine(folder, "audit.jsonl") : null };
        _trail = AuditTrail.StartAsync(_auditDb, options, NullLogger.Instance).GetAwaiter().GetResult();
    }

    public SyncCounter Syncs => _data.Syncs;

    public long IndexLag => _data.IndexLag;

    public long AuditWritten => _trail.Written;

    public long AuditLost => _trail.Dropped + _trail.Failed;

    public async Task CommitAsync(KeyValue[] entries)
    {
        long started = Stopwatch.GetTimestamp();
        var startedAt = DateTimeOffset.UtcNow;
        await _data.CommitAsync(entries).ConfigureAwait(false);
        var (keys, total) = AuditKeys.Capped(entries, e => e.Key);
        var query = new AuditEvent
        {
            Action = AuditAction.Query,
            User = "loadgen",
            Address = "ipv4:127.0.0.1:50000",
            Connection = "0HN00000000",
            Database = "defaultdb",
            Permission = "readwrite",
            Method = "Set",
            Keys = keys,
            KeysTotal = total,
            Success = true,
            Duration = Stopwatch.GetElapsedTime(started),
            Time = startedAt,
        };
        await _trail.RecordAsync(query with { Action = AuditAction.Authorization, Duration = TimeSpan.Zero }).ConfigureAwait(false);
        await _trail.RecordAsync(query).ConfigureAwait(false);
    }

    public byte[] Get(byte[] key) => _data.Get(key);

    public void WaitUntilReadable() => _data.WaitUntilReadable();

    public void Dispose()
    {
        _trail.Dispose();
        _auditDb.Dispose();
        _data.Dispose();
    }
}
