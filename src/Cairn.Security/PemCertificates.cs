// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cairn.Security;

/// <summary>A PEM file given by a setting: the setting's name (a flag, a variable) is how messages point at it.</summary>
/// <param name="Source">Where the path came from, e.g. <c>tls-cert</c> or <c>--tls-ca</c>.</param>
/// <param name="Path">The file.</param>
public sealed record PemFile(string Source, string Path);

/// <summary>A PEM file that cannot be used; the message names the setting, the file and why.</summary>
public sealed class PemCertificateException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Certificates and keys from PEM files, checked before anyone connects: a peer would refuse an expired
/// certificate or a wrong key usage by closing the connection without saying why. Used by the server for its own
/// certificate and client CAs, and by the command-line tools for theirs.
/// </summary>
public static class PemCertificates
{
    /// <summary>Extended key usage of a TLS server certificate.</summary>
    public static Oid ServerAuthentication { get; } = new("1.3.6.1.5.5.7.3.1");

    /// <summary>Extended key usage of a TLS client certificate.</summary>
    public static Oid ClientAuthentication { get; } = new("1.3.6.1.5.5.7.3.2");

    /// <summary>Every certificate of a PEM bundle (at least one).</summary>
    /// <exception cref="PemCertificateException">Unreadable, not PEM, or no certificate in it.</exception>
    public static X509Certificate2Collection ReadBundle(PemFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return ReadChain(file, ReadText(file), "certificate bundle");
    }

    /// <summary>
    /// The first certificate of <paramref name="certificateFile"/> with its private key from <paramref name="keyFile"/>,
    /// and every certificate of the file (the leaf first, then intermediates). The leaf must be valid at
    /// <paramref name="now"/> and, when it lists extended key usages, allow <paramref name="usage"/>.
    /// </summary>
    /// <exception cref="PemCertificateException">A file is unreadable or invalid, the key does not match, or the certificate cannot be used now for <paramref name="usage"/>.</exception>
    public static (X509Certificate2 Leaf, X509Certificate2Collection Chain) ReadWithKey(PemFile certificateFile, PemFile keyFile, Oid usage, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(certificateFile);
        ArgumentNullException.ThrowIfNull(keyFile);
        ArgumentNullException.ThrowIfNull(usage);
        string certificateText = ReadText(certificateFile);
        string keyText = ReadText(keyFile);
        var chain = ReadChain(certificateFile, certificateText, "certificate chain");
        X509Certificate2 leaf;
        try
        {
            // CreateFromPem takes the file's first certificate, pairs it with the key and checks that they match.
            leaf = X509Certificate2.CreateFromPem(certificateText, keyText);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new PemCertificateException(
                $"{keyFile.Source}: {keyFile.Path} holds no unencrypted PEM private key matching the certificate in {certificateFile.Path}: {e.Message}", e);
        }

        if (now < leaf.NotBefore.ToUniversalTime() || now > leaf.NotAfter.ToUniversalTime())
        {
            throw new PemCertificateException($"{certificateFile.Source}: the certificate {leaf.Subject} in {certificateFile.Path} is valid from " +
                $"{leaf.NotBefore.ToUniversalTime():u} to {leaf.NotAfter.ToUniversalTime():u}, not now ({now:u})");
        }

        if (leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } usages
            && !usages.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == usage.Value))
        {
            string what = usage.Value == ServerAuthentication.Value ? "server" : usage.Value == ClientAuthentication.Value ? "client" : usage.Value!;
            throw new PemCertificateException($"{certificateFile.Source}: the certificate {leaf.Subject} in {certificateFile.Path} does not allow {what} authentication (extended key usage)");
        }

        return (leaf, chain);
    }

    private static X509Certificate2Collection ReadChain(PemFile file, string text, string what)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new PemCertificateException($"{file.Source}: {file.Path} is not a PEM {what}: {e.Message}", e);
        }

        return certificates.Count > 0
            ? certificates
            : throw new PemCertificateException($"{file.Source}: {file.Path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }

    private static string ReadText(PemFile file)
    {
        try
        {
            return File.ReadAllText(file.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PemCertificateException($"{file.Source}: cannot read {file.Path}: {e.Message}", e);
        }
    }
}
