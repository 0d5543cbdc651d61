// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Server.Configuration;

/// <summary>How log lines are written.</summary>
public enum LogFormat
{
    /// <summary>One readable line per event.</summary>
    Text,

    /// <summary>One JSON object per event.</summary>
    Json,
}

/// <summary>
/// Everything the server can be told. Each property has one entry in <see cref="SettingDefinitions"/>, which
/// names its flag, environment variable and TOML key and parses it.
/// </summary>
public sealed record ServerSettings
{
    /// <summary>The data folder.</summary>
    public string DataDirectory { get; init; } = "./data";

    /// <summary>The address the gRPC port binds to.</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>The gRPC port (0: any free port, printed at start).</summary>
    public int Port { get; init; } = 3322;

    /// <summary>Whether the gRPC front end runs (<c>--grpc off</c> turns it off).</summary>
    public bool GrpcEnabled { get; init; } = true;

    /// <summary>PEM file of the gRPC port's certificate chain (leaf first); with <see cref="TlsKeyPath"/> it turns TLS on.</summary>
    public string? TlsCertificatePath { get; init; }

    /// <summary>PEM file of the private key of <see cref="TlsCertificatePath"/>.</summary>
    public string? TlsKeyPath { get; init; }

    /// <summary>PEM bundle of the CAs that issue client certificates; turns mutual TLS on (a certificate is then required).</summary>
    public string? TlsClientCaPath { get; init; }

    /// <summary>The metrics and health port (HTTP/1.1: <c>/metrics</c>, <c>/health</c>); 0: any free port; null: off.</summary>
    public int? MetricsPort { get; init; } = 9497;

    /// <summary>The address the metrics port binds to; null: <see cref="Address"/>.</summary>
    public string? MetricsAddress { get; init; }

    /// <summary>The admin user's password, applied while it still has the default one.</summary>
    public string? AdminPassword { get; init; }

    /// <summary>PEM file of the ECDSA P-256 key that signs states.</summary>
    public string? SigningKeyPath { get; init; }

    /// <summary>Largest gRPC message accepted, in bytes.</summary>
    public int MaxRecvMsgSize { get; init; } = 32 << 20;

    /// <summary>Largest gRPC message sent, in bytes.</summary>
    public int MaxSendMsgSize { get; init; } = 32 << 20;

    /// <summary>Log line format.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>Least level logged.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Idle time after which a session closes.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Most sessions open at once.</summary>
    public int MaxSessions { get; init; } = 100;

    /// <summary>How long a login token stays valid.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(1440);

    /// <summary>Failed logins, per user name or client address, before further attempts back off; 0: no back-off.</summary>
    public int LoginThrottleFailures { get; init; } = 3;

    /// <summary>The first login back-off; it doubles with each further failure.</summary>
    public TimeSpan LoginThrottleBase { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest login back-off.</summary>
    public TimeSpan LoginThrottleMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>JSON file of users created or updated at start (provisioning), if any.</summary>
    public string? UsersFile { get; init; }

    /// <summary>Longest stored key in bytes (user key + 1 prefix byte).</summary>
    public int MaxKeyLength { get; init; } = 1024;

    /// <summary>Longest stored value in bytes (user value + 1 prefix byte).</summary>
    public int MaxValueLength { get; init; } = 32 << 20;

    /// <summary>Most entries in one transaction.</summary>
    public int MaxTxEntries { get; init; } = 1024;

    /// <summary>Most results of one scan, history or tx scan.</summary>
    public int MaxScanLimit { get; init; } = 1000;

    /// <summary>Whether authentication, authorization and queries are recorded in auditdb.</summary>
    public bool Audit { get; init; } = true;

    /// <summary>A file that also receives every audit record as a JSON line; null for none.</summary>
    public string? AuditLog { get; init; }

    /// <summary>Audit records waiting to be written at most (a full queue holds requests back).</summary>
    public int AuditQueue { get; init; } = 16_384;

    /// <summary>How long audit records gather before they are written as one auditdb transaction.</summary>
    public TimeSpan AuditBatchDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Record who wrote each API write in its header (version-1 headers); false: version 0 for old SDKs.</summary>
    public bool Provenance { get; init; } = true;

    /// <summary>Databases written without provenance (version-0 headers) even when <see cref="Provenance"/> is on.</summary>
    public IReadOnlyList<string> ProvenanceOffDatabases { get; init; } = [];

    /// <summary>The TOML file these settings were read from, if any.</summary>
    public string? ConfigFile { get; init; }
}
