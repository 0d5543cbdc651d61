// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Cairn.Security;
using Cairn.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Hosting;

/// <summary>
/// The gRPC port's certificate, key and client CAs, read from PEM files and swapped as a whole on
/// <see cref="Reload"/> (SIGHUP). Every TLS handshake asks <see cref="ForConnection"/> for the current material,
/// so a reload reaches new connections at once while open connections keep theirs.
/// </summary>
internal sealed class TlsCertificates
{
    private static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(14);

    private readonly string _certificatePath;
    private readonly string _keyPath;
    private readonly string? _clientCaPath;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _reloadGate = new();
    private volatile Material _current;

    private TlsCertificates(string certificatePath, string keyPath, string? clientCaPath, TimeProvider time, ILogger logger, Material material)
    {
        _certificatePath = certificatePath;
        _keyPath = keyPath;
        _clientCaPath = clientCaPath;
        _time = time;
        _logger = logger;
        _current = material;
    }

    /// <summary>The certificate new connections get.</summary>
    public X509Certificate2 Certificate => _current.Certificate;

    /// <summary>Whether a client certificate from the client CAs is required.</summary>
    public bool MutualTls => _clientCaPath is not null;

    /// <summary>Reads the files named by the settings; null when TLS is not configured.</summary>
    /// <exception cref="ServerStartException">A file is missing or unreadable, the key does not match, or the certificate is not usable.</exception>
    public static TlsCertificates? Load(ServerSettings settings, TimeProvider time, ILogger logger)
    {
        switch (settings)
        {
            case { TlsCertificatePath: null, TlsKeyPath: null, TlsClientCaPath: null }:
                return null;
            case { TlsCertificatePath: null, TlsKeyPath: not null }:
                throw new ServerStartException("tls-key: given without --tls-cert (the certificate chain file)");
            case { TlsCertificatePath: not null, TlsKeyPath: null }:
                throw new ServerStartException("tls-cert: given without --tls-key (the private key file)");
            case { TlsCertificatePath: null }:
                throw new ServerStartException("tls-client-ca: mutual TLS needs TLS: give --tls-cert and --tls-key too");
        }

        var material = Read(settings.TlsCertificatePath!, settings.TlsKeyPath!, settings.TlsClientCaPath, time);
        var certificates = new TlsCertificates(settings.TlsCertificatePath!, settings.TlsKeyPath!, settings.TlsClientCaPath, time, logger, material);
        TlsLog.Enabled(logger, material.Certificate.Subject, material.Certificate.SerialNumber, material.Certificate.NotAfter.ToUniversalTime(),
            certificates.MutualTls ? $"on ({material.ClientAuthorities!.Count} client CA(s), the certificate's CN is the user)" : "off");
        certificates.WarnIfExpiring(material.Certificate);
        return certificates;
    }

    /// <summary>Reads the files again and swaps them in; on any problem logs it and keeps the current material.</summary>
    /// <returns>Whether the new material is in use.</returns>
    public bool Reload()
    {
        lock (_reloadGate)
        {
            Material material;
            try
            {
                material = Read(_certificatePath, _keyPath, _clientCaPath, _time);
            }
            catch (ServerStartException e)
            {
                TlsLog.ReloadFailed(_logger, e.Message);
                return false;
            }

            // The old material is not disposed: handshakes in progress may still be using it.
            _current = material;
            TlsLog.Reloaded(_logger, material.Certificate.Subject, material.Certificate.SerialNumber, material.Certificate.NotAfter.ToUniversalTime(),
                material.ClientAuthorities?.Count ?? 0);
            WarnIfExpiring(material.Certificate);
            return true;
        }
    }

    /// <summary>The TLS options of one new connection, from the current material.</summary>
    public SslServerAuthenticationOptions ForConnection()
    {
        var material = _current;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = material.Context,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (material.ClientAuthorities is { } authorities)
        {
            options.ClientCertificateRequired = true;
            options.RemoteCertificateValidationCallback = (_, certificate, chain, _) => ValidateClient(authorities, certificate, chain);
        }

        return options;
    }

    private bool ValidateClient(X509Certificate2Collection authorities, X509Certificate? certificate, X509Chain? presented)
    {
        if (certificate is null)
        {
            TlsLog.ClientCertificateRefused(_logger, "(none)", "no client certificate");
            return false;
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;

        // A certificate with key usages must allow client authentication; one without any is accepted.
        chain.ChainPolicy.ApplicationPolicy.Add(PemCertificates.ClientAuthentication);
        foreach (var authority in authorities)
        {
            // Roots anchor the chain; intermediates in the bundle only help build it.
            (IsSelfIssued(authority) ? chain.ChainPolicy.CustomTrustStore : chain.ChainPolicy.ExtraStore).Add(authority);
        }

        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(leaf))
        {
            return true;
        }

        TlsLog.ClientCertificateRefused(_logger, leaf.Subject, string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct()));
        return false;
    }

    private void WarnIfExpiring(X509Certificate2 certificate)
    {
        var notAfter = certificate.NotAfter.ToUniversalTime();
        if (notAfter - _time.GetUtcNow().UtcDateTime < ExpiryWarning)
        {
            TlsLog.ExpiresSoon(_logger, certificate.Subject, notAfter);
        }
    }

    private static Material Read(string certificatePath, string keyPath, string? clientCaPath, TimeProvider time)
    {
        X509Certificate2 leaf;
        X509Certificate2Collection chain;
        X509Certificate2Collection? authorities;
        try
        {
            (leaf, chain) = PemCertificates.ReadWithKey(new PemFile("tls-cert", certificatePath), new PemFile("tls-key", keyPath),
                PemCertificates.ServerAuthentication, time.GetUtcNow().UtcDateTime);
            authorities = clientCaPath is null ? null : PemCertificates.ReadBundle(new PemFile("tls-client-ca", clientCaPath));
        }
        catch (PemCertificateException e)
        {
            throw new ServerStartException(e.Message, e);
        }

        // Intermediates from the chain file are sent with the leaf; offline: no fetching of missing issuers.
        var intermediates = new X509Certificate2Collection();
        for (int i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        var trust = authorities is null ? null : SslCertificateTrust.CreateForX509Collection(authorities, sendTrustInHandshake: true);
        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true, trust);
        return new Material(leaf, context, authorities);
    }

    private static bool IsSelfIssued(X509Certificate2 certificate) => certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private sealed record Material(X509Certificate2 Certificate, SslStreamCertificateContext Context, X509Certificate2Collection? ClientAuthorities);
}
