// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.ComponentModel;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace Cairn.Auditor;

/// <summary>What the auditor watches and how often.</summary>
public sealed record AuditorOptions
{
    /// <summary>The default metrics port.</summary>
    public const int DefaultMetricsPort = 9477;

    /// <summary>The server: <c>http://host:port</c>, or <c>https://host:port</c> for TLS (a bare <c>host:port</c> means plain HTTP/2).</summary>
    [Description("the server to audit")]
    public string Address { get; init; } = "http://127.0.0.1:3322";

    /// <summary>The user the auditor logs in as; read permission on each database is enough.</summary>
    [Description("user to log in as")]
    public string User { get; init; } = "immudb";

    /// <summary>The user's password.</summary>
    [Description("the user's password")]
    public string Password { get; init; } = string.Empty;

    /// <summary>The databases to audit; empty = every database the user can list, at each run.</summary>
    [Description("databases to audit (default: all the user can list)")]
    public IReadOnlyList<string> Databases { get; init; } = [];

    /// <summary>Time between the starts of two runs.</summary>
    [Description("time between runs")]
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Transactions re-read per database and run (all of them when the database has no more).</summary>
    [Description("transactions re-read with verified calls per database and run")]
    public int SampleSize { get; init; } = 10;

    /// <summary>Key-value entries of each sampled transaction re-read with a verified get.</summary>
    [Description("entries of each sampled transaction re-read with a verified get")]
    public int EntriesPerTx { get; init; } = 10;

    /// <summary>The trust file (the last verified state per database); tampering verdicts go beside it.</summary>
    [Description("file with the last verified state per database")]
    public string StateFile { get; init; } = DefaultStateFile;

    /// <summary>The server's state-signing public key (0x04 ‖ X ‖ Y); when set, unsigned or wrongly signed states fail.</summary>
    [Description("the server's state-signing public key")]
    public byte[]? ServerSigningPublicKey { get; init; }

    /// <summary>The CAs that may issue the server's TLS certificate, trusted instead of the system's (https:// only).</summary>
    [Description("CAs trusted for the server's TLS certificate (default: the system's)")]
    public X509Certificate2Collection? TrustedCertificateAuthorities { get; init; }

    /// <summary>A client certificate with its private key, for a server with mutual TLS (https:// only).</summary>
    [Description("client certificate for mutual TLS")]
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Deadline of each call to the server.</summary>
    [Description("deadline of each call")]
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>~/.cairn/audit-state.json</c>.</summary>
    public static string DefaultStateFile =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cairn", "audit-state.json");

    /// <summary>The address as a URL: a bare <c>host:port</c> gets <c>http://</c>.</summary>
    public string ServerUrl => Address.Contains("://", StringComparison.Ordinal) ? Address.TrimEnd('/') : "http://" + Address.TrimEnd('/');

    /// <summary>Refuses options that cannot work, naming the option.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public void Validate()
    {
        if (!Uri.TryCreate(ServerUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Port <= 0)
        {
            throw new ArgumentException($"address: '{Address}' is not host:port or http(s)://host:port");
        }

        if (uri.Scheme == "http" && (TrustedCertificateAuthorities is not null || ClientCertificate is not null))
        {
            throw new ArgumentException($"address: '{Address}' is plaintext, but TLS certificates are given: use https://");
        }

        if (string.IsNullOrEmpty(User))
        {
            throw new ArgumentException("user: must not be empty");
        }

        if (Interval < TimeSpan.FromMilliseconds(100))
        {
            throw new ArgumentException($"interval: {Interval} is shorter than 100ms");
        }

        if (SampleSize < 0 || EntriesPerTx < 0)
        {
            throw new ArgumentException("sample: must be 0 or more");
        }

        if (string.IsNullOrEmpty(StateFile))
        {
            throw new ArgumentException("state-file: must not be empty");
        }
    }

    /// <summary>Parses a duration: a number with <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c> (<c>90s</c>, <c>5m</c>), or seconds alone.</summary>
    /// <exception cref="FormatException">Not such a duration.</exception>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        (string number, double scale) = t switch
        {
            _ when t.EndsWith("ms", StringComparison.Ordinal) => (t[..^2], 0.001),
            _ when t.EndsWith('s') => (t[..^1], 1),
            _ when t.EndsWith('m') => (t[..^1], 60),
            _ when t.EndsWith('h') => (t[..^1], 3600),
            _ => (t, 1),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value < 0 || double.IsInfinity(value))
        {
            throw new FormatException($"'{text}' is not a duration (e.g. 1500ms, 90s, 5m, 1h)");
        }

        return TimeSpan.FromSeconds(value * scale);
    }
}
