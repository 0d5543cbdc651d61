// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;

namespace Cairn.Client;

/// <summary>
/// TLS: the check of the server's certificate, and the naming of TLS failures. A failed handshake reaches the
/// caller as a generic transport error; this turns it into a <see cref="CairnConnectionException"/> that says
/// what went wrong (<see cref="CairnConnectionFailure"/>).
/// </summary>
public sealed partial class CairnClient
{
    // Why the last server certificate was refused (a whole sentence), for the error the failed call reports.
    private volatile string? _certificateRejection;

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        string? rejection = _options.ServerCertificateValidation is { } custom
            ? custom(sender, certificate, chain, errors) ? null : "refused by the ServerCertificateValidation callback"
            : Check(certificate, chain, errors);
        if (rejection is null)
        {
            return true;
        }

        _certificateRejection = $"the server's TLS certificate{(certificate is null ? string.Empty : " " + certificate.Subject)} is not trusted: {rejection}";
        return false;
    }

    // Null when the certificate is good; else why not.
    private string? Check(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the server sent no certificate";
        }

        // Name mismatches stay fatal whatever CAs are trusted.
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"it is not issued for {new Uri(_options.Address).Host} (subject alternative names)";
        }

        if (_options.TrustedCertificateAuthorities is not { } authorities)
        {
            return errors == SslPolicyErrors.None ? null : $"{Describe(presented)}, checked against the system's CAs";
        }

        // Only the chain is judged against the given CAs.
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;

        // Intermediates the server sent help build the chain to one of the given roots.
        foreach (var element in presented?.ChainElements.Skip(1) ?? [])
        {
            chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf) ? null : $"{Describe(chain)}, checked against {authorities.Count} given CA(s)";
    }

    private static string Describe(X509Chain? chain)
    {
        var problems = (chain?.ChainStatus ?? [])
            .Where(s => s.Status != X509ChainStatusFlags.NoError)
            .Select(s => string.IsNullOrWhiteSpace(s.StatusInformation) ? s.Status.ToString() : $"{s.Status} ({s.StatusInformation.Trim().TrimEnd('.')})")
            .Distinct()
            .ToList();
        return problems.Count == 0 ? "its chain does not validate" : string.Join("; ", problems);
    }

    /// <summary>The TLS failure behind a failed call, or null when the failure is not about TLS.</summary>
    /// <remarks>
    /// Grpc.Net.Client reports these as transport errors (status Internal or Unavailable); the kind is read from
    /// the exceptions underneath. A server that closes the connection before the HTTP/2 handshake is recognised
    /// by SocketsHttpHandler's message, which has no error code of its own; anything unrecognised stays a plain
    /// connection failure.
    /// </remarks>
    private CairnConnectionException? TlsFailure(Exception failure)
    {
        var causes = Causes(failure).ToList();
        if (causes.Any(c => c is SocketException))
        {
            // Nothing listens, or the network failed: not a matter of TLS.
            return null;
        }

        if (causes.OfType<AuthenticationException>().FirstOrDefault() is { } handshake)
        {
            if (_certificateRejection is { } rejection)
            {
                return new CairnConnectionException(rejection, failure, CairnConnectionFailure.ServerCertificateNotTrusted);
            }

            // TLS 1.2: the server refuses a missing or unknown client certificate with an alert during the handshake.
            if (handshake.Message.Contains("TLS alert", StringComparison.Ordinal))
            {
                return ClientCertificateRefused(failure, $"the server ended the TLS handshake ({handshake.Message.TrimEnd('.')})");
            }

            return new CairnConnectionException(
                $"the TLS handshake failed ({handshake.Message.TrimEnd('.')}): the server does not seem to use TLS on this port",
                failure, CairnConnectionFailure.ServerWithoutTls);
        }

        if (!causes.Any(c => c is (HttpRequestException or IOException) && c.Message.Contains("HTTP/2 handshake", StringComparison.Ordinal)))
        {
            return null;
        }

        // TLS 1.3: the handshake completes on the client's side before the server judges the client certificate,
        // so a refusal shows only as a connection closed before the first HTTP/2 frame.
        return _usesTls
            ? ClientCertificateRefused(failure, "the server closed the connection right after the TLS handshake")
            : new CairnConnectionException(
                "the server closed the connection without answering HTTP/2 in plaintext: it most likely requires TLS",
                failure, CairnConnectionFailure.ServerRequiresTls);
    }

    private CairnConnectionException ClientCertificateRefused(Exception failure, string what) => new(
        _options.ClientCertificate is { } certificate
            ? $"{what}: it most likely refused the client certificate {certificate.Subject} (mutual TLS: it must come from a CA the server trusts for clients and be valid now)"
            : $"{what}: it most likely requires a client certificate (mutual TLS)",
        failure, CairnConnectionFailure.ClientCertificateRefused);

    private static IEnumerable<Exception> Causes(Exception failure)
    {
        for (Exception? e = failure; e is not null; e = e.InnerException ?? (e as RpcException)?.Status.DebugException)
        {
            yield return e;
        }
    }
}
