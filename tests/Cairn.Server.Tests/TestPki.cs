// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cairn.Server.Tests;

/// <summary>
/// A certificate authority made in the test (ECDSA P-256), issuing server and client certificates and writing
/// them as PEM files, as an operator would hand them to <c>cairn serve</c>.
/// </summary>
public sealed class TestPki : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private TestPki(X509Certificate2 root, string folder)
    {
        Root = root;
        Folder = folder;
    }

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Root { get; }

    public string Folder { get; }

    /// <summary>The CA certificate without its key, as a client or server would trust it.</summary>
    public X509Certificate2 RootPublic => X509CertificateLoader.LoadCertificate(Root.RawData);

    public static TestPki Create(string folder, string name = "Cairn Test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var root = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        Directory.CreateDirectory(folder);
        return new TestPki(root, folder);
    }

    /// <summary>Writes the CA certificate as PEM; returns the path.</summary>
    public string WriteRoot(string fileName = "ca.pem")
    {
        string path = Path.Combine(Folder, fileName);
        File.WriteAllText(path, Root.ExportCertificatePem());
        return path;
    }

    /// <summary>A server certificate for 127.0.0.1, ::1 and localhost.</summary>
    public X509Certificate2 IssueServer(string name = "cairn-test-server") =>
        Issue($"CN={name}", ServerAuth, san =>
        {
            san.AddIpAddress(IPAddress.Loopback);
            san.AddIpAddress(IPAddress.IPv6Loopback);
            san.AddDnsName("localhost");
        });

    /// <summary>A client certificate whose subject CN is <paramref name="user"/>.</summary>
    public X509Certificate2 IssueClient(string user) => Issue($"CN={user}, O=Cairn tests", ClientAuth, null);

    /// <summary>Writes a certificate and its key as two PEM files; returns (certificate path, key path).</summary>
    public (string Certificate, string Key) Write(X509Certificate2 certificate, string baseName)
    {
        string certificatePath = Path.Combine(Folder, baseName + ".crt");
        string keyPath = Path.Combine(Folder, baseName + ".key");
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("no private key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    public void Dispose() => Root.Dispose();

    private X509Certificate2 Issue(string subject, Oid usage, Action<SubjectAlternativeNameBuilder>? names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        if (names is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            names(san);
            request.CertificateExtensions.Add(san.Build());
        }

        // A random serial for every certificate, so a reload is visible in the serial.
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Root, now.AddHours(-1), now.AddDays(30), serial);
        return issued.CopyWithPrivateKey(key);
    }
}
