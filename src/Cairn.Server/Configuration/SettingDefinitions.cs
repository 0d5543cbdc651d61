// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Configuration;

/// <summary>One setting: its flag (<c>--name</c>), environment variable, TOML key (the name), help and parser.</summary>
/// <param name="Name">Kebab-case name: the flag without dashes and the TOML key.</param>
/// <param name="Description">What it does, for <c>--help</c>.</param>
/// <param name="Default">The default as shown in help.</param>
/// <param name="Apply">Parses a value into the settings; throws <see cref="SettingsException"/> with the rule when invalid.</param>
/// <param name="Secret">Whether the effective value is hidden when settings are printed.</param>
public sealed record SettingDefinition(string Name, string Description, string Default, Func<ServerSettings, string, ServerSettings> Apply, bool Secret = false)
{
    /// <summary>The environment variable: CAIRN_ and the name in upper snake case.</summary>
    public string EnvironmentVariable => "CAIRN_" + Name.ToUpperInvariant().Replace('-', '_');

    /// <summary>The command-line flag.</summary>
    public string Flag => "--" + Name;
}

/// <summary>The table of every server setting. Flags, environment variables, TOML keys and help all come from here.</summary>
public static class SettingDefinitions
{
    /// <summary>The setting that names the TOML file; read before the others.</summary>
    public static SettingDefinition Config { get; } = new("config", "TOML file with settings (keys are the flag names)", "./cairn.toml if present",
        (s, v) => s with { ConfigFile = NonEmpty("config", v) });

    /// <summary>Every setting, <see cref="Config"/> included.</summary>
    public static IReadOnlyList<SettingDefinition> All { get; } =
    [
        new("dir", "data folder (created owner-only when missing)", "./data", (s, v) => s with { DataDirectory = NonEmpty("dir", v) }),
        new("address", "address to listen on; anything but loopback needs a non-default admin password", "127.0.0.1",
            (s, v) => s with { Address = NonEmpty("address", v) }),
        new("port", "gRPC port (immudb API, HTTP/2; TLS with --tls-cert); 0 picks a free port", "3322", (s, v) => s with { Port = Int("port", v, 0, 65535) }),
        new("grpc", "on, or off to run without the gRPC front end (something else must stay on)", "on", (s, v) => s with { GrpcEnabled = OnOff("grpc", v) }),
        new("tls-cert", "PEM file of the gRPC port's certificate chain, leaf first; with --tls-key it turns TLS 1.2/1.3 on", "none (plaintext HTTP/2)",
            (s, v) => s with { TlsCertificatePath = NonEmpty("tls-cert", v) }),
        new("tls-key", "PEM file of the private key of --tls-cert", "none", (s, v) => s with { TlsKeyPath = NonEmpty("tls-key", v) }),
        new("tls-client-ca", "PEM bundle of the CAs of client certificates: mutual TLS, a certificate is required and its subject CN is the user",
            "none", (s, v) => s with { TlsClientCaPath = NonEmpty("tls-client-ca", v) }),
        new("metrics-port", "port of /metrics (Prometheus) and /health over HTTP/1.1, without authentication; 0 picks a free port, off disables it",
            "9497", (s, v) => s with { MetricsPort = OptionalPort("metrics-port", v) }),
        new("metrics-address", "address the metrics port listens on", "the --address",
            (s, v) => s with { MetricsAddress = NonEmpty("metrics-address", v) }),
        new("admin-password", "password of the admin user 'immudb', applied while it has the default password", "immudb (default; loopback only)",
            (s, v) => s with { AdminPassword = NonEmpty("admin-password", v) }, Secret: true),
        new("signing-key", "PEM file of an ECDSA P-256 private key; states and verifiable answers are then signed", "none",
            (s, v) => s with { SigningKeyPath = NonEmpty("signing-key", v) }),
        new("max-recv-msg-size", "largest gRPC request in bytes (k/m suffixes allowed)", "33554432 (32m)",
            (s, v) => s with { MaxRecvMsgSize = Size("max-recv-msg-size", v) }),
        new("max-send-msg-size", "largest gRPC response in bytes (k/m suffixes allowed)", "33554432 (32m)",
            (s, v) => s with { MaxSendMsgSize = Size("max-send-msg-size", v) }),
        new("log-format", "log lines as text or json", "text", (s, v) => s with { LogFormat = Enum<LogFormat>("log-format", v) }),
        new("log-level", "least level logged: trace, debug, information, warning, error, critical, none", "information",
            (s, v) => s with { LogLevel = Enum<LogLevel>("log-level", v) }),
        new("session-timeout", "idle time after which a session ends (e.g. 180s, 3m, 1h)", "3m",
            (s, v) => s with { SessionTimeout = Duration("session-timeout", v) }),
        new("max-sessions", "most sessions open at once", "100", (s, v) => s with { MaxSessions = Int("max-sessions", v, 1, 1_000_000) }),
        new("token-lifetime", "how long a login token stays valid (e.g. 30m, 24h)", "1440m",
            (s, v) => s with { TokenLifetime = Duration("token-lifetime", v) }),
        new("login-throttle-failures", "failed logins per user name or client address before further attempts back off; 0 or off disables", "3",
            (s, v) => s with { LoginThrottleFailures = v.Trim().ToLowerInvariant() is "off" or "false" ? 0 : Int("login-throttle-failures", v, 0, 1000) }),
        new("login-throttle-base", "first login back-off, doubled with each further failure (e.g. 1s, 500ms)", "1s",
            (s, v) => s with { LoginThrottleBase = Duration("login-throttle-base", v) }),
        new("login-throttle-max", "longest login back-off; failures are forgotten after this long without one", "5m",
            (s, v) => s with { LoginThrottleMax = Duration("login-throttle-max", v) }),
        new("users-file", "JSON file of users created or updated at start (name, password or passwordHash, active, permissions)", "none",
            (s, v) => s with { UsersFile = NonEmpty("users-file", v) }),
        new("max-key-length", "longest stored key in bytes (user key + 1)", "1024", (s, v) => s with { MaxKeyLength = Int("max-key-length", v, 2, 65_535) }),
        new("max-value-length", "longest stored value in bytes (user value + 1; k/m suffixes allowed)", "33554432 (32m)",
            (s, v) => s with { MaxValueLength = Size("max-value-length", v) }),
        new("max-tx-entries", "most entries in one transaction", "1024", (s, v) => s with { MaxTxEntries = Int("max-tx-entries", v, 1, 65_535) }),
        new("max-scan-limit", "most results of one scan, history, zscan or tx scan", "1000", (s, v) => s with { MaxScanLimit = Int("max-scan-limit", v, 1, 100_000) }),
        new("audit", "record every authentication, authorization decision and query in auditdb: on or off", "on",
            (s, v) => s with { Audit = OnOff("audit", v) }),
        new("audit-log", "file that also receives every audit record as one JSON line (created owner-only)", "none",
            (s, v) => s with { AuditLog = NonEmpty("audit-log", v) }),
        new("audit-queue", "audit records waiting to be written at most; when full, requests wait up to 5 s, then records are dropped and counted",
            "16384", (s, v) => s with { AuditQueue = Int("audit-queue", v, 16, 10_000_000) }),
        new("audit-batch-delay", "how long audit records gather before they are written as one auditdb transaction (one fsync each); records are durable within about this much more time (1ms to 1s)",
            "10ms", (s, v) => s with { AuditBatchDelay = BoundedDuration("audit-batch-delay", v, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1)) }),
        new("provenance", "record who wrote each transaction in its header (version 1); off writes version-0 headers for immudb SDKs of 1.1 and older",
            "on", (s, v) => s with { Provenance = OnOff("provenance", v) }),
        new("provenance-off-databases", "comma-separated databases written without provenance (version-0 headers) even when provenance is on",
            "none", (s, v) => s with { ProvenanceOffDatabases = Names(v) }),
        Config,
    ];

    private static IReadOnlyList<string> Names(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    private static string NonEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new SettingsException($"{name}: a value is required") : value.Trim();

    private static int Int(string name, string value, int min, int max) =>
        int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new SettingsException($"{name}: '{value}' is not a whole number from {min} to {max}");

    private static bool OnOff(string name, string value) => value.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "yes" or "1" => true,
        "off" or "false" or "no" or "0" => false,
        _ => throw new SettingsException($"{name}: '{value}' must be on or off"),
    };

    private static int? OptionalPort(string name, string value) =>
        value.Trim().ToLowerInvariant() is "off" or "false"
            ? null
            : int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n is >= 0 and <= 65535
                ? n
                : throw new SettingsException($"{name}: '{value}' is not a port from 0 to 65535 or 'off'");

    private static int Size(string name, string value)
    {
        string text = value.Trim().ToLowerInvariant();
        long multiplier = 1;
        foreach (var (suffix, factor) in new[] { ("kib", 1L << 10), ("mib", 1L << 20), ("kb", 1L << 10), ("mb", 1L << 20), ("k", 1L << 10), ("m", 1L << 20) })
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                text = text[..^suffix.Length].Trim();
                multiplier = factor;
                break;
            }
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n > 0 && n * multiplier <= int.MaxValue
            ? (int)(n * multiplier)
            : throw new SettingsException($"{name}: '{value}' is not a size from 1 byte to 2 GiB (e.g. 4194304, 4096k, 32m)");
    }

    private static TimeSpan Duration(string name, string value)
    {
        string text = value.Trim().ToLowerInvariant();
        (string number, double seconds) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1),
            _ when text.EndsWith('m') => (text[..^1], 60),
            _ when text.EndsWith('h') => (text[..^1], 3600),
            _ => (text, 1),
        };
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n > 0 && n * seconds <= TimeSpan.FromDays(365).TotalSeconds
            ? TimeSpan.FromSeconds(n * seconds)
            : throw new SettingsException($"{name}: '{value}' is not a duration (e.g. 90s, 3m, 1h)");
    }

    private static TimeSpan BoundedDuration(string name, string value, TimeSpan min, TimeSpan max)
    {
        var duration = Duration(name, value);
        return duration >= min && duration <= max
            ? duration
            : throw new SettingsException($"{name}: '{value}' is outside {min.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms to {max.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms");
    }

    private static T Enum<T>(string name, string value)
        where T : struct, Enum =>
        System.Enum.TryParse<T>(value.Trim(), ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed) && !int.TryParse(value, out _)
            ? parsed
            : throw new SettingsException($"{name}: '{value}' must be one of {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
}

/// <summary>A setting with an invalid value, or a configuration file that cannot be used.</summary>
public sealed class SettingsException(string message) : Exception(message);
