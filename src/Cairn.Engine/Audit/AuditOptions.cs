// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Engine.Audit;

/// <summary>How the audit trail runs.</summary>
public sealed record AuditOptions
{
    /// <summary>Whether records are written (auditdb exists and stays readable either way).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>A file that also receives every record as one JSON line; null for none.</summary>
    public string? LogFile { get; init; }

    /// <summary>Records waiting to be written at most; a full queue holds callers back (see <see cref="FullWait"/>).</summary>
    public int QueueCapacity { get; init; } = 16_384;

    /// <summary>
    /// How long the writer lets records gather before it writes a batch that is not full: one auditdb commit (and
    /// fsync) per this interval instead of one per request keeps the trail from competing with data writes for the
    /// disk. Records are durable within about this much more time.
    /// </summary>
    public TimeSpan BatchDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How long a caller waits for room in a full queue before its record is dropped (counted and logged as an
    /// error). Waiting is the default because a tamper-evident trail must not lose records silently; the bound
    /// keeps a failed audit database from stopping the whole server.
    /// </summary>
    public TimeSpan FullWait { get; init; } = TimeSpan.FromSeconds(5);
}
