// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Server.Tests;

namespace Cairn.Cli.Tests;

/// <summary>
/// <c>cairn client</c>, <c>cairn admin</c> and <c>cairn audit</c> over TLS and mutual TLS, against real servers with
/// certificates from a CA made in the test: they connect when they trust the CA (flag or environment), and every
/// way of getting TLS wrong ends with a message that names it and the flag to change.
/// </summary>
public sealed class TlsTests(TlsServersFixture servers) : IClassFixture<TlsServersFixture>
{
    private const string AlicePassword = "Al1ce!pass";

    [Fact]
    public async Task Client_and_admin_work_over_TLS_when_they_trust_the_CA_by_flag_or_environment()
    {
        await Ok(["client", "set", "tls:key", "over-tls", "--address", servers.TlsAddress, "--tls-ca", servers.Ca], servers.WithPassword());

        // An https:// address and the CA from the environment; a verified read keeps its trust for that address.
        var https = servers.WithPassword(("CAIRN_SERVER", $"https://{servers.TlsAddress}"), ("CAIRN_CLIENT_TLS_CA", servers.Ca));
        Assert.Equal("over-tls", (await Ok(["client", "get", "tls:key", "-o", "json"], https)).Json.GetProperty("value").GetString());
        Assert.True((await Ok(["client", "safeget", "tls:key", "-o", "json"], https)).Json.GetProperty("verified").GetBoolean());

        // TLS from the environment for a bare host:port.
        var switched = servers.WithPassword(("CAIRN_SERVER", servers.TlsAddress), ("CAIRN_CLIENT_TLS", "on"), ("CAIRN_CLIENT_TLS_CA", servers.Ca));
        var users = (await Ok(["admin", "user", "list", "-o", "json"], switched)).Json.GetProperty("users").EnumerateArray();
        Assert.Contains(users, u => u.GetProperty("name").GetString() == "immudb");
    }

    [Fact]
    public async Task A_server_certificate_the_client_does_not_trust_is_a_connection_error_that_points_at_tls_ca()
    {
        // TLS switched on by the environment alone: the system's CAs do not know the test CA.
        var untrusted = await Cli.RunAsync(["client", "get", "tls:key", "--address", servers.TlsAddress], servers.WithPassword(("CAIRN_CLIENT_TLS", "on")));
        Assert.True(untrusted.ExitCode == 4, untrusted.ToString());
        Assert.Contains($"https://{servers.TlsAddress}: the server's TLS certificate CN=cairn-test-server is not trusted", untrusted.Stderr, StringComparison.Ordinal);
        Assert.Contains("checked against the system's CAs", untrusted.Stderr, StringComparison.Ordinal);
        Assert.Contains("--tls-ca FILE", untrusted.Stderr, StringComparison.Ordinal);

        var wrongCa = await Cli.RunAsync(["admin", "info", "--address", servers.TlsAddress, "--tls-ca", servers.OtherCa], servers.WithPassword());
        Assert.True(wrongCa.ExitCode == 4, wrongCa.ToString());
        Assert.Contains("is not trusted", wrongCa.Stderr, StringComparison.Ordinal);
        Assert.Contains("checked against 1 given CA(s)", wrongCa.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plaintext_against_TLS_and_TLS_against_plaintext_are_named_instead_of_raw_HTTP2_errors()
    {
        var plaintext = await Cli.RunAsync(["client", "health", "--address", servers.TlsAddress], servers.WithPassword());
        Assert.True(plaintext.ExitCode == 4, plaintext.ToString());
        Assert.Contains("it most likely requires TLS; connect with --tls", plaintext.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("HttpRequestException", plaintext.Stderr, StringComparison.Ordinal);

        var tls = await Cli.RunAsync(["admin", "info", "--address", servers.PlainAddress, "--tls-ca", servers.Ca], servers.WithPassword());
        Assert.True(tls.ExitCode == 4, tls.ToString());
        Assert.Contains("the server does not seem to use TLS on this port", tls.Stderr, StringComparison.Ordinal);
        Assert.Contains("connect without --tls", tls.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unusable_TLS_settings_are_usage_errors_before_any_connection()
    {
        string missing = Path.Combine(servers.Folder, "missing.pem");

        async Task Refused(string[] arguments, string expected, params (string Key, string Value)[] environment)
        {
            var result = await Cli.RunAsync(["client", "get", "k", .. arguments], servers.WithPassword([("CAIRN_SERVER", servers.TlsAddress), .. environment]));
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        }

        await Refused(["--tls-ca", missing], $"--tls-ca: cannot read {missing}");
        await Refused([], $"CAIRN_CLIENT_TLS_CA: cannot read {missing}", ("CAIRN_CLIENT_TLS_CA", missing));
        await Refused(["--tls-ca", servers.AliceKey], "holds no PEM certificate");
        await Refused(["--tls-ca", servers.Ca, "--tls-cert", servers.AliceCertificate, "--tls-key", servers.AdminKey],
            $"--tls-key: {servers.AdminKey} holds no unencrypted PEM private key matching the certificate in {servers.AliceCertificate}");
        await Refused(["--tls-cert", servers.AliceCertificate], "--tls-cert is given without --tls-key");
        await Refused(["--tls-cert", servers.ServerCertificate, "--tls-key", servers.ServerKey], "does not allow client authentication");
        await Refused(["--tls-ca", servers.Ca], $"--tls-ca asks for TLS, but the address http://{servers.TlsAddress} is plaintext", ("CAIRN_SERVER", $"http://{servers.TlsAddress}"));
        await Refused([], "CAIRN_CLIENT_TLS: 'maybe' must be on or off", ("CAIRN_CLIENT_TLS", "maybe"));

        // cairn audit refuses its options as it refuses the others: exit code 78.
        var audit = await Cli.RunAsync(["audit", "--once", "--address", servers.TlsAddress, "--tls-ca", missing, "--password", ServerProcess.AdminPassword]);
        Assert.True(audit.ExitCode == 78, audit.ToString());
        Assert.Contains($"--tls-ca: cannot read {missing}", audit.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_mutual_TLS_the_client_certificate_is_the_login()
    {
        // No password anywhere: the admin's certificate (CN=immudb) logs in.
        string[] asAdmin = ["--address", servers.MutualAddress, "--tls-ca", servers.Ca, "--tls-cert", servers.AdminCertificate, "--tls-key", servers.AdminKey];
        var users = (await Ok(["admin", "user", "list", "-o", "json", .. asAdmin], servers.Environment())).Json.GetProperty("users").EnumerateArray();
        Assert.Contains(users, u => u.GetProperty("name").GetString() == "immudb");
        await Ok(["admin", "user", "create", "alice", "--permission", "readwrite", "--new-password", AlicePassword, .. asAdmin], servers.Environment());

        // Alice from the environment alone: the user is the certificate's CN.
        var alice = servers.Environment(
            ("CAIRN_SERVER", servers.MutualAddress),
            ("CAIRN_CLIENT_TLS_CA", servers.Ca),
            ("CAIRN_CLIENT_TLS_CERT", servers.AliceCertificate),
            ("CAIRN_CLIENT_TLS_KEY", servers.AliceKey));
        await Ok(["client", "set", "owner", "alice"], alice);
        Assert.Equal("alice", (await Ok(["client", "get", "owner", "-o", "json"], alice)).Json.GetProperty("value").GetString());

        // Another user over alice's certificate: refused by the server, as a login failure.
        var other = await Cli.RunAsync(["client", "get", "owner", "--user", "immudb", "--password", ServerProcess.AdminPassword], alice);
        Assert.True(other.ExitCode == 5, other.ToString());
        Assert.Contains("client certificate is user 'alice'", other.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mutual_TLS_refuses_a_client_without_a_certificate_or_with_one_from_another_CA()
    {
        var none = await Cli.RunAsync(["admin", "info", "--address", servers.MutualAddress, "--tls-ca", servers.Ca], servers.WithPassword());
        Assert.True(none.ExitCode == 4, none.ToString());
        Assert.Contains("it most likely requires a client certificate (mutual TLS); give a client certificate with --tls-cert FILE --tls-key FILE", none.Stderr, StringComparison.Ordinal);

        var forged = await Cli.RunAsync(
            ["admin", "info", "--address", servers.MutualAddress, "--tls-ca", servers.Ca, "--tls-cert", servers.ForgedAdminCertificate, "--tls-key", servers.ForgedAdminKey],
            servers.WithPassword());
        Assert.True(forged.ExitCode == 4, forged.ToString());
        Assert.Contains("it most likely refused the client certificate CN=immudb", forged.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_once_runs_over_TLS_and_mutual_TLS_and_says_why_when_it_cannot()
    {
        string StateFile(string name) => Path.Combine(servers.Folder, name + ".json");
        string[] once = ["audit", "--once", "--database", "defaultdb", "--sample", "2"];

        var tls = await Cli.RunAsync([.. once, "--address", servers.TlsAddress, "--tls-ca", servers.Ca, "--state-file", StateFile("tls")],
            new Dictionary<string, string> { ["CAIRN_AUDIT_PASSWORD"] = ServerProcess.AdminPassword });
        Assert.True(tls.ExitCode == 0, tls.ToString());

        // Mutual TLS from the environment alone: no password, the certificate is the login.
        var mutual = await Cli.RunAsync([.. once, "--state-file", StateFile("mutual")], new Dictionary<string, string>
        {
            ["CAIRN_AUDIT_ADDRESS"] = servers.MutualAddress,
            ["CAIRN_AUDIT_TLS_CA"] = servers.Ca,
            ["CAIRN_AUDIT_TLS_CERT"] = servers.AdminCertificate,
            ["CAIRN_AUDIT_TLS_KEY"] = servers.AdminKey,
        });
        Assert.True(mutual.ExitCode == 0, mutual.ToString());

        var untrusted = await Cli.RunAsync([.. once, "--address", servers.TlsAddress, "--tls", "--password", ServerProcess.AdminPassword, "--state-file", StateFile("untrusted")]);
        Assert.True(untrusted.ExitCode == 4, untrusted.ToString());
        Assert.Contains("is not trusted", untrusted.Stdout + untrusted.Stderr, StringComparison.Ordinal);
        Assert.Contains("to trust a private CA or a self-signed certificate, give it with --tls-ca FILE", untrusted.Stdout + untrusted.Stderr, StringComparison.Ordinal);

        var noCertificate = await Cli.RunAsync(
            [.. once, "--address", servers.MutualAddress, "--tls-ca", servers.Ca, "--password", ServerProcess.AdminPassword, "--state-file", StateFile("none")]);
        Assert.True(noCertificate.ExitCode == 4, noCertificate.ToString());
        Assert.Contains("give a client certificate with --tls-cert FILE --tls-key FILE", noCertificate.Stdout + noCertificate.Stderr, StringComparison.Ordinal);
    }

    private static async Task<CliResult> Ok(string[] arguments, IDictionary<string, string> environment)
    {
        var result = await Cli.RunAsync(arguments, environment);
        Assert.True(result.ExitCode == 0, $"cairn {string.Join(' ', arguments)}\n{result}");
        return result;
    }
}

/// <summary>
/// Three servers for the TLS tests: one with TLS, one with mutual TLS (client certificates from the test CA, the CN
/// is the user) and one without TLS; and the PEM files a user would have.
/// </summary>
public sealed class TlsServersFixture : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cairn-cli-tls-tests-").FullName;
    private TestPki _pki = null!;
    private TestPki _otherPki = null!;

    public ServerProcess Tls { get; private set; } = null!;

    public ServerProcess Mutual { get; private set; } = null!;

    public ServerProcess Plain { get; private set; } = null!;

    public string Folder => _folder;

    /// <summary>host:port of each server (no scheme: the flags decide).</summary>
    public string TlsAddress => $"127.0.0.1:{Tls.Port}";

    public string MutualAddress => $"127.0.0.1:{Mutual.Port}";

    public string PlainAddress => $"127.0.0.1:{Plain.Port}";

    /// <summary>The test CA, which issued the servers' and the clients' certificates.</summary>
    public string Ca { get; private set; } = null!;

    /// <summary>Another CA, which issued none of the servers' certificates.</summary>
    public string OtherCa { get; private set; } = null!;

    public string ServerCertificate { get; private set; } = null!;

    public string ServerKey { get; private set; } = null!;

    public string AdminCertificate { get; private set; } = null!;

    public string AdminKey { get; private set; } = null!;

    public string AliceCertificate { get; private set; } = null!;

    public string AliceKey { get; private set; } = null!;

    /// <summary>A certificate with CN=immudb from the other CA.</summary>
    public string ForgedAdminCertificate { get; private set; } = null!;

    public string ForgedAdminKey { get; private set; } = null!;

    /// <summary>The state file, plus <paramref name="extra"/>: no server, no password.</summary>
    public Dictionary<string, string> Environment(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string> { ["CAIRN_STATE_FILE"] = Path.Combine(_folder, "state.json") };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary><see cref="Environment"/> with the admin's password.</summary>
    public Dictionary<string, string> WithPassword(params (string Key, string Value)[] extra) =>
        Environment([("CAIRN_PASSWORD", ServerProcess.AdminPassword), .. extra]);

    public async Task InitializeAsync()
    {
        _pki = TestPki.Create(Path.Combine(_folder, "pki"));
        _otherPki = TestPki.Create(Path.Combine(_folder, "other"), "Other CA");
        Ca = _pki.WriteRoot();
        OtherCa = _otherPki.WriteRoot();
        (ServerCertificate, ServerKey) = Write(_pki, _pki.IssueServer(), "server");
        (AdminCertificate, AdminKey) = Write(_pki, _pki.IssueClient("immudb"), "immudb");
        (AliceCertificate, AliceKey) = Write(_pki, _pki.IssueClient("alice"), "alice");
        (ForgedAdminCertificate, ForgedAdminKey) = Write(_otherPki, _otherPki.IssueClient("immudb"), "forged");

        string[] tls = ["--tls-cert", ServerCertificate, "--tls-key", ServerKey];
        var servers = await Task.WhenAll(
            ServerProcess.StartAsync(arguments: tls),
            ServerProcess.StartAsync(arguments: [.. tls, "--tls-client-ca", Ca]),
            ServerProcess.StartAsync());
        (Tls, Mutual, Plain) = (servers[0], servers[1], servers[2]);
    }

    public async Task DisposeAsync()
    {
        foreach (var server in new[] { Tls, Mutual, Plain })
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }

        _pki.Dispose();
        _otherPki.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static (string Certificate, string Key) Write(TestPki pki, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string name)
    {
        using (certificate)
        {
            return pki.Write(certificate, name);
        }
    }
}
