// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Engine.Audit;
using Cairn.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Engine;

/// <summary>How the engine runs: where the data lives, the first admin password, sessions and tokens, limits.</summary>
public sealed record EngineOptions
{
    /// <summary>The data folder: one sub-folder per database plus systemdb. Created owner-only when missing.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The admin user's password when the data folder is created (null: immudb's default, "immudb").</summary>
    public string? InitialAdminPassword { get; init; }

    /// <summary>Sessions idle longer than this are closed (immudb: 3 minutes).</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Most sessions open at once (immudb: 100).</summary>
    public int MaxSessions { get; init; } = 100;

    /// <summary>How long a login token is valid (immudb: 1440 minutes).</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(1440);

    /// <summary>Back-off after failed logins, per user name and per client address.</summary>
    public LoginThrottleOptions LoginThrottle { get; init; } = new();

    /// <summary>Limits and engine settings applied to every database (the name is set per database).</summary>
    public DatabaseOptions DatabaseTemplate { get; init; } = new();

    /// <summary>The audit trail: on by default, records written to auditdb and optionally a JSON-lines file.</summary>
    public AuditOptions Audit { get; init; } = new();

    /// <summary>Where the engine logs.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The clock (tests move it).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
