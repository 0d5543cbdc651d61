// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Cairn.Client;
using Cairn.Security;
using Cairn.Server.Grpc;

namespace Cairn.Cli.Session;

/// <summary>
/// The TLS flags of <c>cairn client</c>, <c>cairn admin</c> and <c>cairn audit</c>: <c>--tls</c>, <c>--tls-ca</c>,
/// <c>--tls-cert</c> and <c>--tls-key</c>, each falling back to a variable (<c>PREFIX_TLS</c>, <c>PREFIX_TLS_CA</c>, …).
/// The prefixes differ from the server's <c>CAIRN_TLS_*</c>, so one shell can run a server and its clients.
/// </summary>
/// <remarks>
/// There is deliberately no flag that skips the check of the server's certificate: a self-signed one is trusted by
/// giving it as <c>--tls-ca</c>.
/// </remarks>
internal sealed class TlsOptions
{

    private readonly string _prefix;

    /// <param name="variablePrefix"><c>CAIRN_CLIENT</c> or <c>CAIRN_AUDIT</c>.</param>
    /// <param name="recursive">Whether the flags are valid on every subcommand.</param>
    public TlsOptions(string variablePrefix, bool recursive)
    {
        _prefix = variablePrefix;
        Tls = new Option<bool>("--tls")
        {
            Description = $"connect with TLS; implied by the other --tls-* flags and by an https:// address [env: {variablePrefix}_TLS=on]",
            Recursive = recursive,
        };
        Ca = Create("--tls-ca", "_TLS_CA", "PEM bundle of the CAs that may issue the server's certificate, trusted instead of the system's", recursive);
        Certificate = Create("--tls-cert", "_TLS_CERT", "PEM client certificate for a server with mutual TLS; its CN is the user", recursive);
        Key = Create("--tls-key", "_TLS_KEY", "PEM private key (unencrypted) of --tls-cert", recursive);
    }

    public Option<bool> Tls { get; }

    public Option<string?> Ca { get; }

    public Option<string?> Certificate { get; }

    public Option<string?> Key { get; }

    /// <summary>The four flags.</summary>
    public IReadOnlyList<Option> All => [Tls, Ca, Certificate, Key];

    /// <summary>
    /// The address with its scheme (<c>https://</c> when TLS is asked for or implied, else <c>http://</c> for a bare
    /// <c>host:port</c>), and the CAs and client certificate read from their files.
    /// </summary>
    /// <exception cref="UsageException">A file cannot be read or used, the key does not match, or TLS is asked for over http://.</exception>
    public ClientTls Resolve(ParseResult parse, string address)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(address);
        var ca = Value(parse, Ca, "_TLS_CA");
        var certificate = Value(parse, Certificate, "_TLS_CERT");
        var key = Value(parse, Key, "_TLS_KEY");
        string? asked = parse.GetValue(Tls) ? Tls.Name : EnvironmentSwitch(_prefix + "_TLS") ? _prefix + "_TLS" : null;
        string? wantsTls = asked ?? ca?.Source ?? certificate?.Source ?? key?.Source;

        int scheme = address.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            address = (wantsTls is null ? "http://" : "https://") + address;
        }
        else if (wantsTls is not null && address[..scheme].Equals("http", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"{wantsTls} asks for TLS, but the address {address} is plaintext: give https://{address[(scheme + 3)..]} or just {address[(scheme + 3)..]}");
        }

        if (certificate is null != key is null)
        {
            throw certificate is null
                ? new UsageException($"{key!.Source} is given without --tls-cert (the client certificate)")
                : new UsageException($"{certificate.Source} is given without --tls-key (the client certificate's private key)");
        }

        return new ClientTls(
            address,
            ca is null ? null : ReadAuthorities(ca),
            certificate is null ? null : ReadCertificate(certificate, key!));
    }

    /// <summary>
    /// What to change after a connection failure, for a message ending in it, or an empty string: how the tool's
    /// flags relate to the failure the client named.
    /// </summary>
    public string Hint(CairnConnectionFailure failure, ClientTls tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        return failure switch
        {
            CairnConnectionFailure.ServerCertificateNotTrusted when tls.Authorities is null =>
                "; to trust a private CA or a self-signed certificate, give it with --tls-ca FILE",
            CairnConnectionFailure.ServerRequiresTls => "; connect with --tls (and --tls-ca FILE for a private CA)",
            CairnConnectionFailure.ServerWithoutTls => $"; connect without --tls, --tls-ca, --tls-cert and --tls-key (and {_prefix}_TLS*), or check the port",
            CairnConnectionFailure.ClientCertificateRefused when tls.Certificate is null => "; give a client certificate with --tls-cert FILE --tls-key FILE",
            _ => string.Empty,
        };
    }

    private Option<string?> Create(string name, string variableSuffix, string description, bool recursive) => new(name)
    {
        Description = $"{description} [env: {_prefix}{variableSuffix}]",
        HelpName = "file",
        Recursive = recursive,
    };

    // A flag, else its variable; with where it came from, for messages.
    private Setting? Value(ParseResult parse, Option<string?> option, string variableSuffix) =>
        parse.GetValue(option) is { Length: > 0 } given ? new Setting(given, option.Name)
        : Environment.GetEnvironmentVariable(_prefix + variableSuffix) is { Length: > 0 } set ? new Setting(set, _prefix + variableSuffix)
        : null;

    private static bool EnvironmentSwitch(string variable) => Environment.GetEnvironmentVariable(variable)?.Trim().ToLowerInvariant() switch
    {
        null or "" or "off" or "false" or "no" or "0" => false,
        "on" or "true" or "yes" or "1" => true,
        var other => throw new UsageException($"{variable}: '{other}' must be on or off"),
    };

    private static X509Certificate2Collection ReadAuthorities(Setting ca)
    {
        try
        {
            return PemCertificates.ReadBundle(new PemFile(ca.Source, ca.Path));
        }
        catch (PemCertificateException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static X509Certificate2 ReadCertificate(Setting certificateFile, Setting keyFile)
    {
        try
        {
            return PemCertificates.ReadWithKey(new PemFile(certificateFile.Source, certificateFile.Path), new PemFile(keyFile.Source, keyFile.Path),
                PemCertificates.ClientAuthentication, DateTime.UtcNow).Leaf;
        }
        catch (PemCertificateException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private sealed record Setting(string Path, string Source);
}

/// <summary>The address to connect to, and what TLS needs for it.</summary>
/// <param name="Address">With its scheme: <c>https://</c> for TLS.</param>
/// <param name="Authorities">The CAs to trust for the server's certificate, or null for the system's.</param>
/// <param name="Certificate">The client certificate with its key, or null.</param>
internal sealed record ClientTls(string Address, X509Certificate2Collection? Authorities, X509Certificate2? Certificate)
{
    /// <summary>The user the client certificate names (its single subject CN), as the server reads it.</summary>
    public string? CertificateUser => Certificate is null ? null : ClientCertificateUsers.UserOf(Certificate);
}
