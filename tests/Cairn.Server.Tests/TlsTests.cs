// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Cairn.Client;
using Grpc.Core;
using Grpc.Net.Client;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>
/// TLS and mutual TLS on the gRPC port of the real process, with a CA, server and client certificates made here:
/// the SDK and raw Grpc.Net.Client connect, plaintext and unknown clients are refused, a certificate names its
/// user, and SIGHUP swaps the certificate for new connections.
/// </summary>
public sealed class TlsTests : IDisposable
{
    private const string AlicePassword = "Al1ce!pass";
    private const string BobPassword = "B0b!passw";
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    private readonly TempFolder _folder = new();
    private readonly TestPki _pki;

    public TlsTests()
    {
        _pki = TestPki.Create(Path.Combine(_folder.Path, "pki"));
    }

    public void Dispose()
    {
        _pki.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task TLS_serves_the_SDK_and_raw_gRPC_clients_that_trust_the_CA_and_refuses_plaintext_and_untrusting_clients()
    {
        var (certificate, key) = _pki.Write(_pki.IssueServer(), "server");
        await using var server = await ServerProcess.StartAsync(arguments: ["--tls-cert", certificate, "--tls-key", key]);
        Assert.Contains("TLS on the gRPC port", server.Output, StringComparison.Ordinal);

        // The SDK over https, trusting the test CA only.
        await using (var client = Sdk(server.Port, clientCertificate: null))
        {
            await client.LoginAsync("immudb", ServerProcess.AdminPassword);
            await client.SetAsync("tls"u8.ToArray(), "on"u8.ToArray());
            Assert.Equal("on"u8.ToArray(), (await client.GetAsync("tls"u8.ToArray())).Value);
        }

        // Raw Grpc.Net.Client, once limited to TLS 1.2 (the oldest allowed) and once to TLS 1.3.
        foreach (var protocol in new[] { SslProtocols.Tls12, SslProtocols.Tls13 })
        {
            X509Certificate2? seen = null;
            using var channel = Raw(server.Port, c => seen = c, protocols: protocol);
            var health = await new Wire.ImmuService.ImmuServiceClient(channel).HealthAsync(Empty);
            Assert.True(health.Status);
            Assert.Equal("CN=cairn-test-server", seen?.Subject);
        }

        // Plaintext HTTP/2 against the TLS port: no gRPC answer.
        using (var plaintext = GrpcChannel.ForAddress($"http://127.0.0.1:{server.Port}"))
        {
            await RefusedAtConnection(async () => await new Wire.ImmuService.ImmuServiceClient(plaintext).HealthAsync(Empty));
        }

        // A client that trusts only the system's CAs does not accept the test CA's certificate.
        await using (var untrusting = new CairnClient(new CairnClientOptions { Address = $"https://127.0.0.1:{server.Port}" }))
        {
            await Assert.ThrowsAsync<CairnConnectionException>(() => untrusting.HealthAsync());
        }

        // Nor does one that trusts another CA.
        using var otherPki = TestPki.Create(Path.Combine(_folder.Path, "other"), "Other CA");
        await using (var wrongCa = new CairnClient(new CairnClientOptions { Address = $"https://127.0.0.1:{server.Port}", TrustedCertificateAuthorities = [otherPki.RootPublic] }))
        {
            await Assert.ThrowsAsync<CairnConnectionException>(() => wrongCa.HealthAsync());
        }
    }

    [Fact]
    public async Task Mutual_TLS_requires_a_certificate_from_the_client_CA_whose_CN_is_an_active_user()
    {
        var (certificate, key) = _pki.Write(_pki.IssueServer(), "server");
        string clientCa = _pki.WriteRoot();
        await using var server = await ServerProcess.StartAsync(arguments: ["--tls-cert", certificate, "--tls-key", key, "--tls-client-ca", clientCa]);
        Assert.Contains("mutual TLS on", server.Output, StringComparison.Ordinal);

        // The admin's certificate replaces its password: Login with an empty one.
        using var adminCertificate = _pki.IssueClient("immudb");
        await using (var admin = Sdk(server.Port, adminCertificate))
        {
            Assert.Null(await admin.LoginAsync("immudb", string.Empty));
            await admin.CreateUserAsync("alice", AlicePassword, 2, "defaultdb");
            await admin.CreateUserAsync("bob", BobPassword, 2, "defaultdb");
        }

        // Without any login: the certificate is the user, on defaultdb.
        using var aliceCertificate = _pki.IssueClient("alice");
        await using (var alice = Sdk(server.Port, aliceCertificate))
        {
            await alice.SetAsync("owner"u8.ToArray(), "alice"u8.ToArray());
            await alice.UseDatabaseAsync("defaultdb");
            Assert.Equal("alice"u8.ToArray(), (await alice.GetAsync("owner"u8.ToArray())).Value);
        }

        // With a password (still checked) and with a session without one.
        await using (var alice = Sdk(server.Port, aliceCertificate))
        {
            await Assert.ThrowsAsync<CairnAuthenticationException>(() => alice.LoginAsync("alice", "Wr0ng!pass"));
            await alice.LoginAsync("alice", AlicePassword);
            Assert.Equal("alice"u8.ToArray(), (await alice.GetAsync("owner"u8.ToArray())).Value);
            await alice.OpenSessionAsync("alice", string.Empty, "defaultdb");
            Assert.Equal("alice"u8.ToArray(), (await alice.GetAsync("owner"u8.ToArray())).Value);
            await alice.LogoutAsync();
        }

        // Another user's password over alice's certificate, and another user's token over alice's connection: refused.
        using var bobCertificate = _pki.IssueClient("bob");
        string bobToken;
        await using (var bob = Sdk(server.Port, bobCertificate))
        {
            await bob.LoginAsync("bob", string.Empty);
            bobToken = bob.Credentials.GetValue("authorization")!;
        }

        await using (var alice = Sdk(server.Port, aliceCertificate))
        {
            var e = await Assert.ThrowsAsync<CairnPermissionException>(() => alice.LoginAsync("bob", BobPassword));
            Assert.Contains("client certificate is user 'alice'", e.Message, StringComparison.Ordinal);
            await Refused(StatusCode.PermissionDenied, async () => await alice.Grpc.GetAsync(new Wire.KeyRequest { Key = B("owner") }, new Metadata { { "authorization", bobToken } }),
                "the client certificate is user 'alice', the credentials are user 'bob'");
        }

        // A certificate whose CN is no user is no login.
        using var strangerCertificate = _pki.IssueClient("mallory");
        await using (var stranger = Sdk(server.Port, strangerCertificate))
        {
            await Assert.ThrowsAsync<CairnAuthenticationException>(() => stranger.GetAsync("owner"u8.ToArray()));
            await Assert.ThrowsAsync<CairnAuthenticationException>(() => stranger.LoginAsync("mallory", string.Empty));
        }

        // A deactivated user's certificate is refused, with and without login.
        await using (var admin = Sdk(server.Port, adminCertificate))
        {
            await admin.SetActiveUserAsync("bob", false);
        }

        await using (var bob = Sdk(server.Port, bobCertificate))
        {
            await Assert.ThrowsAsync<CairnAuthenticationException>(() => bob.GetAsync("owner"u8.ToArray()));
            await Assert.ThrowsAsync<CairnAuthenticationException>(() => bob.LoginAsync("bob", string.Empty));
            await Assert.ThrowsAsync<CairnAuthenticationException>(() => bob.LoginAsync("bob", BobPassword));
        }

        // No certificate, or one from another CA (even naming the admin): the connection is refused.
        await using (var anonymous = Sdk(server.Port, clientCertificate: null))
        {
            await Assert.ThrowsAsync<CairnConnectionException>(() => anonymous.LoginAsync("immudb", ServerProcess.AdminPassword));
        }

        using var otherPki = TestPki.Create(Path.Combine(_folder.Path, "other"), "Other CA");
        using var forgedAdmin = otherPki.IssueClient("immudb");
        await using (var forged = Sdk(server.Port, forgedAdmin))
        {
            await Assert.ThrowsAsync<CairnConnectionException>(() => forged.LoginAsync("immudb", ServerProcess.AdminPassword));
        }

        // Raw Grpc.Net.Client: with the certificate it works, without it the call fails at the connection.
        using (var channel = Raw(server.Port, clientCertificate: aliceCertificate))
        {
            Assert.True((await new Wire.ImmuService.ImmuServiceClient(channel).HealthAsync(Empty)).Status);
        }

        using (var channel = Raw(server.Port))
        {
            await RefusedAtConnection(async () => await new Wire.ImmuService.ImmuServiceClient(channel).HealthAsync(Empty));
        }
    }

    [Fact]
    public async Task SIGHUP_reloads_the_certificate_for_new_connections_and_a_broken_file_keeps_the_old_one()
    {
        using var first = _pki.IssueServer();
        var (certificate, key) = _pki.Write(first, "server");
        await using var server = await ServerProcess.StartAsync(arguments: ["--tls-cert", certificate, "--tls-key", key]);
        Assert.Equal(first.SerialNumber, await ServedSerialAsync(server.Port));

        using var second = _pki.IssueServer();
        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        _pki.Write(second, "server");
        server.SendSignal(1);
        await server.WaitForOutputAsync("TLS certificate reloaded");
        Assert.Equal(second.SerialNumber, await ServedSerialAsync(server.Port));

        // A key that does not match: logged, and the second certificate stays.
        using var third = _pki.IssueServer();
        File.WriteAllText(certificate, third.ExportCertificatePem());
        server.SendSignal(1);
        await server.WaitForOutputAsync("TLS certificate reload failed");
        Assert.Contains("matching", server.Output, StringComparison.Ordinal);
        Assert.False(server.HasExited);
        Assert.Equal(second.SerialNumber, await ServedSerialAsync(server.Port));
    }

    [Fact]
    public async Task Unusable_TLS_settings_stop_the_start_with_exit_code_78_and_the_reason()
    {
        var (certificate, key) = _pki.Write(_pki.IssueServer(), "server");
        var (_, otherKey) = _pki.Write(_pki.IssueServer(), "other");
        string dir = Path.Combine(_folder.Path, "data");
        string missing = Path.Combine(_folder.Path, "missing.pem");
        string[] common = ["serve", "--dir", dir, "--port", "0", "--metrics-port", "off"];

        async Task Refuses(string[] arguments, string expected)
        {
            var (code, output) = await ServerProcess.RunToExitAsync([.. common, .. arguments]);
            Assert.True(code == 78, $"exit code {code}: {output}");
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }

        await Refuses(["--tls-cert", missing, "--tls-key", key], $"tls-cert: cannot read {missing}");
        await Refuses(["--tls-cert", certificate, "--tls-key", missing], $"tls-key: cannot read {missing}");
        await Refuses(["--tls-cert", certificate, "--tls-key", otherKey], "tls-key: " + otherKey + " holds no unencrypted PEM private key matching");
        await Refuses(["--tls-cert", key, "--tls-key", key], "holds no PEM certificate");
        await Refuses(["--tls-cert", certificate], "tls-cert: given without --tls-key");
        await Refuses(["--tls-client-ca", certificate], "tls-client-ca: mutual TLS needs TLS");
        await Refuses(["--tls-cert", certificate, "--tls-key", key, "--tls-client-ca", missing], $"tls-client-ca: cannot read {missing}");
        Assert.False(Directory.Exists(dir), "a refused start must not create the data folder");
    }

    [Fact]
    public async Task The_gRPC_front_end_can_be_turned_off_but_not_together_with_metrics_and_SIGHUP_does_not_stop_the_server()
    {
        var (code, output) = await ServerProcess.RunToExitAsync(["serve", "--dir", Path.Combine(_folder.Path, "none"), "--grpc", "off", "--metrics-port", "off"]);
        Assert.Equal(78, code);
        Assert.Contains("nothing would be served", output, StringComparison.Ordinal);

        await using var server = await ServerProcess.StartAsync(arguments: ["--grpc", "off"]);
        Assert.Equal(0, server.Port);
        Assert.DoesNotContain("Cairn listening on", server.Output, StringComparison.Ordinal);
        using var http = new HttpClient();
        var health = await http.GetAsync(new Uri($"http://127.0.0.1:{server.MetricsPort}/health"));
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);

        server.SendSignal(1);
        await server.WaitForOutputAsync("nothing to reload");
        Assert.False(server.HasExited);
        Assert.Equal(0, await server.TerminateAsync());
    }

    [Fact]
    public void TLS_settings_come_from_flags_environment_and_TOML_with_paths_relative_to_the_working_folder()
    {
        File.WriteAllText(Path.Combine(_folder.Path, "cairn.toml"), "tls-cert = \"certs/server.crt\"\ngrpc = false\n");
        var env = new System.Collections.Hashtable { ["CAIRN_TLS_KEY"] = "certs/server.key" };
        var settings = Configuration.SettingsLoader.Load(new Dictionary<string, string> { ["tls-client-ca"] = "/etc/cairn/ca.pem" }, env, _folder.Path);
        Assert.Equal(Path.Combine(_folder.Path, "certs", "server.crt"), settings.TlsCertificatePath);
        Assert.Equal(Path.Combine(_folder.Path, "certs", "server.key"), settings.TlsKeyPath);
        Assert.Equal("/etc/cairn/ca.pem", settings.TlsClientCaPath);
        Assert.False(settings.GrpcEnabled);
        Assert.Contains("grpc = off", Configuration.SettingsLoader.Describe(settings));

        var e = Assert.Throws<Configuration.SettingsException>(() =>
            Configuration.SettingsLoader.Load(new Dictionary<string, string> { ["grpc"] = "maybe" }, new System.Collections.Hashtable(), _folder.Path));
        Assert.Contains("grpc: 'maybe' must be on or off (from flag --grpc)", e.Message, StringComparison.Ordinal);
    }

    private CairnClient Sdk(int port, X509Certificate2? clientCertificate) => new(new CairnClientOptions
    {
        Address = $"https://127.0.0.1:{port}",
        TrustedCertificateAuthorities = [_pki.RootPublic],
        ClientCertificate = clientCertificate,
    });

    // A raw channel that trusts only the test CA and reports the certificate the server showed.
    private GrpcChannel Raw(int port, Action<X509Certificate2>? seen = null, X509Certificate2? clientCertificate = null, SslProtocols protocols = SslProtocols.None)
    {
        var root = _pki.RootPublic;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = protocols,
                ClientCertificateContext = clientCertificate is null ? null : SslStreamCertificateContext.Create(clientCertificate, null, offline: true),
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                    {
                        return false;
                    }

                    var served = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    seen?.Invoke(served);
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(root);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(served);
                },
            },
        };
        return GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = handler });
    }

    private async Task<string?> ServedSerialAsync(int port)
    {
        X509Certificate2? seen = null;
        using var channel = Raw(port, c => seen = c);
        await new Wire.ImmuService.ImmuServiceClient(channel).HealthAsync(Empty);
        return seen?.SerialNumber;
    }

    // Refused before any gRPC exchange: the transport fails, so there is no server status to read.
    private static async Task RefusedAtConnection(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(e.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"{e.StatusCode}: {e.Status.Detail}");
    }
}
