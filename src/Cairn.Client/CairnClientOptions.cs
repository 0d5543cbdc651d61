// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Cairn.Client.State;

namespace Cairn.Client;

/// <summary>How a <see cref="CairnClient"/> connects and what it trusts.</summary>
public sealed record CairnClientOptions
{
    /// <summary>The server: <c>http://host:3322</c> (HTTP/2 without TLS) or <c>https://host:port</c>.</summary>
    public string Address { get; init; } = "http://127.0.0.1:3322";

    /// <summary>Where verified states are kept between runs (default: in memory only).</summary>
    public IStateStore StateStore { get; init; } = new MemoryStateStore();

    /// <summary>
    /// The server's state-signing public key (0x04 ‖ X ‖ Y, see <c>StatePublicKey.FromPem</c>). When set, every
    /// state the client trusts must carry a valid signature by it.
    /// </summary>
    public byte[]? ServerSigningPublicKey { get; init; }

    /// <summary>A client certificate for mutual TLS.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>
    /// Certificate authorities to trust for the server's TLS certificate instead of the system's (e.g. a private CA).
    /// </summary>
    public X509Certificate2Collection? TrustedCertificateAuthorities { get; init; }

    /// <summary>Overrides server certificate validation entirely (use with care).</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; init; }

    /// <summary>Deadline of each call (default 30 s).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest message sent or received (default 32 MiB, the server's default).</summary>
    public int MaxMessageSize { get; init; } = 32 << 20;

    /// <summary>How often an open session is kept alive (default 60 s; the server ends idle sessions after 3 minutes).</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// What this client is (an application name, a host), sent as <c>x-cairn-origin</c> on every call; a server
    /// with provenance on records it in the header of each write (at most 255 UTF-8 bytes; printable ASCII).
    /// </summary>
    public string? Origin { get; init; }
}
