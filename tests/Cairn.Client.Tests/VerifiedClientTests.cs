// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using Cairn.Client.State;
using Cairn.Server.Tests;
using Cairn.Verification;

namespace Cairn.Client.Tests;

/// <summary>The SDK against the real server: every verified call, across a restart, with and without a signing key.</summary>
public sealed class VerifiedClientTests
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(byte[] b) => Encoding.UTF8.GetString(b);

    [Fact]
    public async Task Every_verified_call_checks_out_and_trust_survives_a_restart()
    {
        using var folder = new TempFolder();
        string stateFile = Path.Combine(folder.Path, "trust.json");
        await using var server = await ServerProcess.StartAsync();
        var address = $"http://127.0.0.1:{server.Port}";
        ulong trustedBeforeRestart;
        using (var store = new FileStateStore(stateFile))
        {
            await using var client = new CairnClient(new CairnClientOptions { Address = address, StateStore = store });
            Assert.Null(await client.LoginAsync("immudb", ServerProcess.AdminPassword));
            Assert.Equal(server.Identity, client.ServerIdentity);

            var first = await client.VerifiedSetAsync(U("sdk:a"), U("1"));
            Assert.Equal(2UL, first.Id);
            Assert.Equal(2UL, client.TrustedState!.TxId);
            await client.SetAsync(U("sdk:a"), U("2"));
            var second = await client.VerifiedSetAllAsync([(U("sdk:b"), U("x")), (U("sdk:c"), U("y"))]);
            Assert.Equal(4UL, second.Id);

            var latest = await client.VerifiedGetAsync(U("sdk:a"));
            Assert.Equal("2", S(latest.Value));
            Assert.Equal(2UL, latest.Revision);
            Assert.Equal("1", S((await client.VerifiedGetAtAsync(U("sdk:a"), first.Id)).Value));
            Assert.Equal("1", S((await client.VerifiedGetAtRevisionAsync(U("sdk:a"), 1)).Value));
            Assert.Equal("2", S((await client.VerifiedGetSinceAsync(U("sdk:a"), second.Id)).Value));

            await client.VerifiedSetReferenceAsync(U("sdk:ref"), U("sdk:b"));
            var viaRef = await client.VerifiedGetAsync(U("sdk:ref"));
            Assert.Equal("x", S(viaRef.Value));
            Assert.Equal("sdk:ref", S(viaRef.ReferencedBy!.Key));
            await client.VerifiedSetReferenceAsync(U("sdk:boundref"), U("sdk:a"), first.Id);
            Assert.Equal("1", S((await client.VerifiedGetAsync(U("sdk:boundref"))).Value));

            await client.VerifiedZAddAsync(U("sdk:set"), 3.5, U("sdk:c"));
            var members = await client.ZScanAsync(U("sdk:set"));
            Assert.Equal([3.5], members.Select(m => m.Score));

            var tx = await client.VerifiedTxByIdAsync(first.Id);
            Assert.Equal(first.Id, tx.Header.Id);
            var state = await client.VerifiedStateAsync();
            Assert.Equal(client.TrustedState, state);
            trustedBeforeRestart = state.TxId;

            await Assert.ThrowsAsync<CairnNotFoundException>(() => client.VerifiedGetAsync(U("sdk:missing")));
            await Assert.ThrowsAsync<CairnNotFoundException>(() => client.GetAsync(U("sdk:missing")));
        }

        // A new client over the same trust file, after the server restarted: the old trust is extended, not reset.
        Assert.Equal(0, await server.TerminateAsync());
        await using var restarted = await ServerProcess.StartAsync(server.DataDirectory);
        var newAddress = $"http://127.0.0.1:{restarted.Port}";
        string text = await File.ReadAllTextAsync(stateFile);
        await File.WriteAllTextAsync(stateFile, text.Replace(address, newAddress, StringComparison.Ordinal));
        using var reopened = new FileStateStore(stateFile);
        await using var again = new CairnClient(new CairnClientOptions { Address = newAddress, StateStore = reopened });
        await again.LoginAsync("immudb", ServerProcess.AdminPassword);
        await again.SetAsync(U("sdk:after"), U("z"));
        Assert.Equal("1", S((await again.VerifiedGetAtAsync(U("sdk:a"), 2)).Value));
        Assert.Equal(trustedBeforeRestart, again.TrustedState!.TxId);
        Assert.Equal("z", S((await again.VerifiedGetAsync(U("sdk:after"))).Value));
        Assert.Equal(trustedBeforeRestart + 1, again.TrustedState!.TxId);
    }

    [Fact]
    public async Task With_a_signing_key_every_trusted_state_is_signed_and_a_wrong_key_is_refused()
    {
        using var folder = new TempFolder();
        using var signer = StateSigner.Generate();
        string keyFile = Path.Combine(folder.Path, "key.pem");
        await File.WriteAllTextAsync(keyFile, signer.ExportPrivateKeyPem());
        await using var server = await ServerProcess.StartAsync(arguments: ["--signing-key", keyFile]);
        var address = $"http://127.0.0.1:{server.Port}";

        await using (var client = new CairnClient(new CairnClientOptions { Address = address, ServerSigningPublicKey = StatePublicKey.FromPem(signer.ExportPublicKeyPem()) }))
        {
            await client.LoginAsync("immudb", ServerProcess.AdminPassword);
            await client.VerifiedSetAsync(U("signed:k"), U("v"));
            Assert.Equal("v", S((await client.VerifiedGetAsync(U("signed:k"))).Value));
            await client.VerifiedTxByIdAsync(2);
            Assert.NotNull(client.TrustedState!.Signature);
        }

        using var other = StateSigner.Generate();
        await using var wrongKey = new CairnClient(new CairnClientOptions { Address = address, ServerSigningPublicKey = other.PublicKey });
        await wrongKey.LoginAsync("immudb", ServerProcess.AdminPassword);
        var e = await Assert.ThrowsAsync<CairnIntegrityException>(() => wrongKey.VerifiedGetAsync(U("signed:k")));
        Assert.Equal(IntegrityFailure.Signature, e.Failure);
        Assert.Null(wrongKey.TrustedState);
    }

    [Fact]
    public async Task Failures_have_one_exception_type_per_kind()
    {
        await using var server = await ServerProcess.StartAsync();
        await using var client = new CairnClient(new CairnClientOptions { Address = $"http://127.0.0.1:{server.Port}" });
        await Assert.ThrowsAsync<CairnAuthenticationException>(() => client.LoginAsync("immudb", "wrong"));
        await Assert.ThrowsAsync<CairnAuthenticationException>(() => client.GetAsync(U("k")));
        await client.LoginAsync("immudb", ServerProcess.AdminPassword);
        await client.CreateUserAsync("reader", "R3ader!pw", CairnPermissions.Read, "defaultdb");
        await using var reader = new CairnClient(new CairnClientOptions { Address = $"http://127.0.0.1:{server.Port}" });
        await reader.LoginAsync("reader", "R3ader!pw");
        await Assert.ThrowsAsync<CairnPermissionException>(() => reader.SetAsync(U("k"), U("v")));
        await Assert.ThrowsAsync<CairnNotFoundException>(() => reader.GetAsync(U("nothing")));
        await Assert.ThrowsAsync<CairnRequestException>(() => client.SetAsync([], U("v")));
        Assert.Contains(await client.ListUsersAsync(), u => u.Name == "reader" && u.Permissions["defaultdb"] == CairnPermissions.Read);

        await using var nowhere = new CairnClient(new CairnClientOptions { Address = "http://127.0.0.1:1", CallTimeout = TimeSpan.FromSeconds(5) });
        await Assert.ThrowsAsync<CairnConnectionException>(() => nowhere.HealthAsync());
    }

    [Fact]
    public async Task Sessions_work_like_logins_and_are_kept_alive()
    {
        await using var server = await ServerProcess.StartAsync(arguments: ["--session-timeout", "4s"]);
        await using var client = new CairnClient(new CairnClientOptions { Address = $"http://127.0.0.1:{server.Port}", KeepAliveInterval = TimeSpan.FromMilliseconds(500) });
        await client.OpenSessionAsync("immudb", ServerProcess.AdminPassword, "defaultdb");
        await client.VerifiedSetAsync(U("session:k"), U("v"));
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Equal("v", S((await client.VerifiedGetAsync(U("session:k"))).Value));
        await client.LogoutAsync();
        await Assert.ThrowsAsync<CairnAuthenticationException>(() => client.GetAsync(U("session:k")));
    }
}

/// <summary>Servers whose history changed under a client: rolled back, forked, or another server at the same address.</summary>
public sealed class ChangedHistoryTests
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    private static void CopyFolder(string from, string to)
    {
        foreach (string dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_rolled_back_or_forked_history_or_a_swapped_identity_is_an_integrity_failure()
    {
        using var folder = new TempFolder();
        string original = Path.Combine(folder.Path, "original");
        string snapshot = Path.Combine(folder.Path, "snapshot");
        string stateFile = Path.Combine(folder.Path, "trust.json");

        // History up to tx 3, copied while stopped; then the original goes on to tx 6 and the client trusts it.
        await using (var first = await ServerProcess.StartAsync(original))
        {
            await using var client = new CairnClient(new CairnClientOptions { Address = $"http://127.0.0.1:{first.Port}" });
            await client.LoginAsync("immudb", ServerProcess.AdminPassword);
            await client.SetAsync(U("h:1"), U("a"));
            await client.SetAsync(U("h:2"), U("b"));
            await first.TerminateAsync();
        }

        CopyFolder(original, snapshot);
        string trustedAddress;
        await using (var second = await ServerProcess.StartAsync(original))
        {
            trustedAddress = $"http://127.0.0.1:{second.Port}";
            using var store = new FileStateStore(stateFile);
            await using var client = new CairnClient(new CairnClientOptions { Address = trustedAddress, StateStore = store });
            await client.LoginAsync("immudb", ServerProcess.AdminPassword);
            for (int i = 0; i < 3; i++)
            {
                await client.VerifiedSetAsync(U($"h:late{i}"), U("c"));
            }

            Assert.Equal(6UL, client.TrustedState!.TxId);
            await second.TerminateAsync();
        }

        // The snapshot is the same server (same identity) rolled back to tx 3.
        await using (var rolledBack = await ServerProcess.StartAsync(snapshot))
        {
            var e = await Assert.ThrowsAsync<CairnIntegrityException>(() => WithTrust(stateFile, trustedAddress, rolledBack, c => c.VerifiedGetAsync(U("h:1"))));
            Assert.Equal(IntegrityFailure.StaleOrDivergentState, e.Failure);

            // Forked: the snapshot writes its own tx 4..7, so its history no longer extends the trusted tx 6.
            await using (var writer = new CairnClient(new CairnClientOptions { Address = $"http://127.0.0.1:{rolledBack.Port}" }))
            {
                await writer.LoginAsync("immudb", ServerProcess.AdminPassword);
                for (int i = 0; i < 4; i++)
                {
                    await writer.SetAsync(U($"h:fork{i}"), U("f"));
                }
            }

            var fork = await Assert.ThrowsAsync<CairnIntegrityException>(() => WithTrust(stateFile, trustedAddress, rolledBack, c => c.VerifiedGetAsync(U("h:fork3"))));
            Assert.NotEqual(IntegrityFailure.ServerIdentity, fork.Failure);
            await Assert.ThrowsAsync<CairnIntegrityException>(() => WithTrust(stateFile, trustedAddress, rolledBack, c => c.VerifiedStateAsync()));
        }

        // Another server (another identity) answering at the address the client trusts.
        await using var stranger = await ServerProcess.StartAsync();
        var swapped = await Assert.ThrowsAsync<CairnIntegrityException>(() => WithTrust(stateFile, trustedAddress, stranger, c => c.VerifiedGetAsync(U("anything"))));
        Assert.Equal(IntegrityFailure.ServerIdentity, swapped.Failure);
    }

    // Runs a verified call against `server` with the trust recorded for `trustedAddress`, as if it answered there.
    private static async Task WithTrust(string stateFile, string trustedAddress, ServerProcess server, Func<CairnClient, Task> call)
    {
        string address = $"http://127.0.0.1:{server.Port}";
        string copy = stateFile + "." + server.Port;
        await File.WriteAllTextAsync(copy, (await File.ReadAllTextAsync(stateFile)).Replace(trustedAddress, address, StringComparison.Ordinal));
        using var store = new FileStateStore(copy);
        await using var client = new CairnClient(new CairnClientOptions { Address = address, StateStore = store });
        await client.LoginAsync("immudb", ServerProcess.AdminPassword);
        var before = await File.ReadAllTextAsync(copy);
        try
        {
            await call(client);
        }
        finally
        {
            Assert.Equal(before, await File.ReadAllTextAsync(copy));
        }
    }
}
