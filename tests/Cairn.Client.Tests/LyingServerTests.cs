// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Client.State;
using Cairn.Client.Tests.Support;
using Cairn.Server.Tests;
using Cairn.Verification;
using Cairn.Verification.Tests;
using Google.Protobuf;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Client.Tests;

/// <summary>
/// Fixed lies through the lying server, each refused with <see cref="CairnIntegrityException"/> while the client and
/// its store keep trusting the baseline; and the two named advisory regressions against the SDK.
/// </summary>
[Collection(LiarServerGroup.Name)]
public sealed class LyingServerTests(LiarFixture fixture)
{
    private static byte[] U(string s) => LiarFixture.U(s);

    [Fact]
    public async Task A_rolled_back_state_is_refused()
    {
        var e = await RefusedAsync(new Alteration { Method = "CurrentState", Rewrite = _ => fixture.OlderState.Clone() }, c => c.VerifiedStateAsync());
        Assert.Equal(IntegrityFailure.StaleOrDivergentState, e.Failure);
    }

    [Theory]
    [InlineData("VerifiableGet")]
    [InlineData("VerifiableSet")]
    [InlineData("CurrentState")]
    public async Task A_swapped_identity_is_refused(string method)
    {
        var lie = new Alteration { Method = method, Identity = "someone-else" };
        var e = await RefusedAsync(lie, method switch
        {
            "VerifiableGet" => c => c.VerifiedGetAsync(U("new:1")),
            "VerifiableSet" => c => c.VerifiedSetAsync(U("swapped"), U("v")),
            _ => c => c.VerifiedStateAsync(),
        });
        Assert.Equal(IntegrityFailure.ServerIdentity, e.Failure);
    }

    [Theory]
    [InlineData("VerifiableSet")]
    [InlineData("VerifiableGet older")]
    [InlineData("VerifiableGet newer")]
    [InlineData("CurrentState")]
    public async Task A_missing_signature_is_refused_when_a_key_is_configured(string what)
    {
        var (method, call) = SignedCall(what);
        var e = await RefusedAsync(new Alteration { Method = method, Rewrite = r => WithSignature(r, null) }, call);
        Assert.Equal(IntegrityFailure.Signature, e.Failure);
    }

    [Theory]
    [InlineData("VerifiableSet", "other key")]
    [InlineData("VerifiableSet", "other key, trusted public key")]
    [InlineData("VerifiableSet", "bit flip")]
    [InlineData("VerifiableGet older", "other key")]
    [InlineData("VerifiableGet older", "bit flip")]
    [InlineData("VerifiableGet newer", "other key, trusted public key")]
    [InlineData("CurrentState", "other key")]
    [InlineData("CurrentState", "bit flip")]
    public async Task A_wrong_signature_is_refused(string what, string how)
    {
        using var other = StateSigner.Generate();
        var (method, call) = SignedCall(what);
        var e = await RefusedAsync(new Alteration
        {
            Method = method,
            Rewrite = reply =>
            {
                var real = SignatureOf(reply)!;
                var forged = how switch
                {
                    "bit flip" => new Wire.Signature { PublicKey = real.PublicKey, Signature_ = Flip(real.Signature_, 9) },
                    _ => Signature(other.Sign(SignedState(reply))),
                };
                if (how == "other key, trusted public key")
                {
                    forged.PublicKey = real.PublicKey;
                }

                return WithSignature(reply, forged);
            },
        }, call);
        Assert.Equal(IntegrityFailure.Signature, e.Failure);
    }

    [Fact]
    public async Task An_altered_value_is_refused()
    {
        var e = await RefusedAsync(
            new Alteration { Method = "VerifiableGet", Rewrite = r => Change<Wire.VerifiableEntry>(r, v => v.Entry.Value = Flip(v.Entry.Value, 3)) },
            c => c.VerifiedGetAsync(U("new:2")), withKey: false);
        Assert.Equal(IntegrityFailure.EntryInclusion, e.Failure);
    }

    [Theory]
    [InlineData("inclusion", IntegrityFailure.TreeInclusion)]
    [InlineData("consistency", IntegrityFailure.TreeConsistency)]
    [InlineData("lastInclusion", IntegrityFailure.TreeLastInclusion)]
    [InlineData("linear", IntegrityFailure.LinearProof)]
    public async Task An_altered_proof_term_is_refused(string part, IntegrityFailure expected)
    {
        var e = await RefusedAsync(new Alteration
        {
            Method = "VerifiableSet",
            Rewrite = r => Change<Wire.VerifiableTx>(r, tx =>
            {
                var terms = part switch
                {
                    "inclusion" => tx.DualProof.InclusionProof,
                    "consistency" => tx.DualProof.ConsistencyProof,
                    "lastInclusion" => tx.DualProof.LastInclusionProof,
                    _ => tx.DualProof.LinearProof.Terms,
                };
                terms[^1] = Flip(terms[^1], 17);
            }),
        }, c => c.VerifiedSetAsync(U("term"), U("v")), withKey: false);
        Assert.Equal(expected, e.Failure);
    }

    // Found by the property test: with nothing to move, the proof of the trusted tx itself went unchecked.
    [Fact]
    public async Task A_broken_proof_of_the_trusted_tx_itself_is_refused()
    {
        await RefusedAsync(
            new Alteration { Method = "VerifiableTxById", Rewrite = r => Change<Wire.VerifiableTx>(r, tx => tx.DualProof.ConsistencyProof[0] = Flip(tx.DualProof.ConsistencyProof[0], 1)) },
            c => c.VerifiedTxByIdAsync(fixture.Baseline.TxId), withKey: false);
    }

    // Found by the property test: the proof of the real tx moved the client's trust before the announced hash was compared.
    [Fact]
    public async Task An_announced_state_with_another_hash_moves_no_trust()
    {
        var e = await RefusedAsync(
            new Alteration { Method = "CurrentState", Rewrite = r => Change<Wire.ImmutableState>(r, s => s.TxHash = Flip(s.TxHash, 0)) },
            c => c.VerifiedStateAsync(), withKey: false);
        Assert.Equal(IntegrityFailure.StaleOrDivergentState, e.Failure);
    }

    // Found by the property test: a state the server could not prove was reported as "not found".
    [Fact]
    public async Task An_announced_state_the_server_cannot_prove_is_an_integrity_failure()
    {
        var e = await RefusedAsync(
            new Alteration { Method = "CurrentState", Rewrite = r => Change<Wire.ImmutableState>(r, s => s.TxId += 1000) },
            c => c.VerifiedStateAsync(), withKey: false);
        Assert.Equal(IntegrityFailure.StaleOrDivergentState, e.Failure);
    }

    [Fact]
    public async Task A_state_of_another_database_is_refused()
    {
        await RefusedAsync(
            new Alteration { Method = "CurrentState", Rewrite = r => Change<Wire.ImmutableState>(r, s => s.Db = "otherdb") },
            c => c.VerifiedStateAsync(), withKey: false);
    }

    // Found by the property test: these escaped as ArgumentException instead of an integrity failure.
    [Fact]
    public async Task Impossible_wire_values_are_malformed_replies()
    {
        // Entry metadata in a version-0 tx is impossible (the server's headers are version 1, with provenance: the
        // lie makes them version 0 first).
        var metadata = new Wire.KVMetadata { Deleted = true };
        static void Version0(Wire.TxHeader header)
        {
            header.Version = 0;
            header.Metadata = null;
        }

        var e = await RefusedAsync(
            new Alteration { Method = "VerifiableGet", Rewrite = r => Change<Wire.VerifiableEntry>(r, v => { v.Entry.Metadata = metadata; Version0(v.VerifiableTx.Tx.Header); }) },
            c => c.VerifiedGetAsync(U("old:1")), withKey: false);
        Assert.Equal(IntegrityFailure.MalformedProof, e.Failure);
        e = await RefusedAsync(
            new Alteration { Method = "VerifiableTxById", Rewrite = r => Change<Wire.VerifiableTx>(r, tx => { tx.Tx.Entries[0].Metadata = metadata; Version0(tx.Tx.Header); }) },
            c => c.VerifiedTxByIdAsync(fixture.Baseline.TxId - 1), withKey: false);
        Assert.Equal(IntegrityFailure.MalformedProof, e.Failure);
        e = await RefusedAsync(
            new Alteration { Method = "VerifiableSet", Rewrite = r => Change<Wire.VerifiableTx>(r, tx => tx.Tx.Entries[0].VLen = -1) },
            c => c.VerifiedSetAsync(U("vlen"), U("v")), withKey: false);
        Assert.Equal(IntegrityFailure.MalformedProof, e.Failure);
    }

    [Fact]
    public async Task CVE_2022_36111_a_history_whose_linear_part_hides_forged_txs_is_refused_by_the_SDK()
    {
        // A server that serves the forged history of the Verification tests: the client trusts tx 6 of it.
        var history = ForgedHistory.Build();
        history.PassesPre141Checks();
        var trusted = new ImmutableState("defaultdb", 6, history.Trusted.Alh());
        var forgedTx = VerifiableTx(history.Target, history.Forged.GetEntries(10), history.Attack);
        var forgedState = ToWire.State(new ImmutableState("defaultdb", 10, history.Target.Alh()));
        var lie = new Alteration
        {
            Rewrite = reply => reply switch
            {
                Wire.ImmutableState => forgedState.Clone(),
                Wire.VerifiableTx => forgedTx.Clone(),
                _ => reply,
            },
        };

        var (client, trust) = await ClientTrustingAsync(trusted);
        await using (client)
        {
            fixture.Proxy.Alteration = lie;
            try
            {
                var byId = await Assert.ThrowsAsync<CairnIntegrityException>(() => client.VerifiedTxByIdAsync(10));
                Assert.Equal(IntegrityFailure.LinearAdvanceProof, byId.Failure);
                var state = await Assert.ThrowsAsync<CairnIntegrityException>(() => client.VerifiedStateAsync());
                Assert.Equal(IntegrityFailure.LinearAdvanceProof, state.Failure);
            }
            finally
            {
                fixture.Proxy.Alteration = null;
            }

            Assert.True(TrustCheck.Same(trusted, client.TrustedState!));
            Assert.True(TrustCheck.Same(trusted, (await trust.LoadAsync(fixture.Proxy.Address))!.States["defaultdb"]));
        }

        // The control: the honest continuation, served the same way, verifies and moves the trust to tx 10.
        var honest = history.ContinueHonestly();
        var honestTx = VerifiableTx(honest.GetHeader(10), honest.GetEntries(10), ProofBuilder.Dual(honest, honest.Tree, 6, 10));
        var (control, _) = await ClientTrustingAsync(trusted);
        await using (control)
        {
            fixture.Proxy.Alteration = new Alteration { Method = "VerifiableTxById", Rewrite = _ => honestTx.Clone() };
            try
            {
                await control.VerifiedTxByIdAsync(10);
            }
            finally
            {
                fixture.Proxy.Alteration = null;
            }

            Assert.Equal(honest.GetHeader(10).Alh(), control.TrustedState!.TxHash);
        }
    }

    [Fact]
    public async Task CVE_2022_39199_another_identity_at_the_same_address_or_a_state_signed_by_another_key_is_refused()
    {
        // The client trusts the real server behind this address, with its key.
        await using var proxy = await LyingServer.StartAsync($"http://127.0.0.1:{fixture.Server.Port}");
        var store = new MemoryStateStore();
        CairnClient Client(IStateStore s) => new(new CairnClientOptions { Address = proxy.Address, StateStore = s, ServerSigningPublicKey = fixture.Signer.PublicKey });
        await using (var first = Client(store))
        {
            await first.LoginAsync("immudb", ServerProcess.AdminPassword);
            await first.VerifiedStateAsync();
        }

        var trusted = (await store.LoadAsync(proxy.Address))!;

        // Another server, with its own identity and its own key, now answers at that address.
        using var folder = new TempFolder();
        using var strangerKey = StateSigner.Generate();
        string keyFile = Path.Combine(folder.Path, "stranger.pem");
        await File.WriteAllTextAsync(keyFile, strangerKey.ExportPrivateKeyPem());
        await using var stranger = await ServerProcess.StartAsync(arguments: ["--signing-key", keyFile]);
        proxy.SetUpstream($"http://127.0.0.1:{stranger.Port}");
        await using (var client = Client(store))
        {
            await client.LoginAsync("immudb", ServerProcess.AdminPassword);
            Assert.Equal(stranger.Identity, client.ServerIdentity);
            var e = await Assert.ThrowsAsync<CairnIntegrityException>(() => client.VerifiedGetAsync(U("old:1")));
            Assert.Equal(IntegrityFailure.ServerIdentity, e.Failure);
            await Assert.ThrowsAsync<CairnIntegrityException>(() => client.VerifiedStateAsync());
            await Assert.ThrowsAsync<CairnIntegrityException>(() => client.VerifiedSetAsync(U("k"), U("v")));
            Assert.True(TrustCheck.Same(trusted.States["defaultdb"], client.TrustedState!));
        }

        // The stranger copies the trusted identity: its states are signed by another key (and its history is not the trusted one).
        proxy.Alteration = new Alteration { Identity = fixture.Identity };
        await using (var client = Client(store))
        {
            await client.LoginAsync("immudb", ServerProcess.AdminPassword);
            await Assert.ThrowsAsync<CairnIntegrityException>(() => client.VerifiedStateAsync());
            await Assert.ThrowsAsync<CairnIntegrityException>(() => client.VerifiedSetAsync(U("k"), U("v")));
            Assert.True(TrustCheck.Same(trusted.States["defaultdb"], client.TrustedState!));
        }

        await using (var firstContact = Client(new MemoryStateStore()))
        {
            await firstContact.LoginAsync("immudb", ServerProcess.AdminPassword);
            var e = await Assert.ThrowsAsync<CairnIntegrityException>(() => firstContact.VerifiedStateAsync());
            Assert.Equal(IntegrityFailure.Signature, e.Failure);
            Assert.Null(firstContact.TrustedState);
        }

        Assert.True(TrustCheck.Same(trusted.States["defaultdb"], (await store.LoadAsync(proxy.Address))!.States["defaultdb"]));
    }

    private async Task<CairnIntegrityException> RefusedAsync(Alteration lie, Func<CairnClient, Task> call, bool withKey = true)
    {
        foreach (bool fileStore in new[] { true, false })
        {
            var (client, trust) = await fixture.BaselineClientAsync(fileStore, withKey, "fixed");
            await using (client)
            {
                var applied = lie.Applied;
                fixture.Proxy.Alteration = lie;
                CairnIntegrityException e;
                try
                {
                    e = await Assert.ThrowsAsync<CairnIntegrityException>(() => call(client));
                }
                finally
                {
                    fixture.Proxy.Alteration = null;
                }

                Assert.True(lie.Applied > applied, "the lie was never told");
                Assert.Null(await trust.ChangedAsync());
                if (!fileStore)
                {
                    return e;
                }
            }
        }

        throw new InvalidOperationException("unreachable");
    }

    private async Task<(CairnClient Client, IStateStore Store)> ClientTrustingAsync(ImmutableState state)
    {
        var store = new MemoryStateStore();
        await store.SaveAsync(fixture.Proxy.Address, new TrustedServer(fixture.Identity, new Dictionary<string, ImmutableState>(StringComparer.Ordinal) { ["defaultdb"] = state }));
        var client = fixture.NewClient(store, withKey: false);
        await client.LoginAsync("immudb", ServerProcess.AdminPassword);
        return (client, store);
    }

    private static (string Method, Func<CairnClient, Task> Call) SignedCall(string what) => what switch
    {
        "VerifiableSet" => ("VerifiableSet", c => c.VerifiedSetAsync(U("signed"), U("v"))),
        "VerifiableGet older" => ("VerifiableGet", c => c.VerifiedGetAsync(U("old:2"))),
        "VerifiableGet newer" => ("VerifiableGet", c => c.VerifiedGetAsync(U("new:2"))),
        _ => ("CurrentState", c => c.VerifiedStateAsync()),
    };

    private static Wire.VerifiableTx VerifiableTx(TxHeader header, IReadOnlyList<TxEntry> entries, DualProof proof)
    {
        var tx = new Wire.Tx { Header = ToWire.Header(header) };
        tx.Entries.AddRange(entries.Select(ToWire.Entry));
        return new Wire.VerifiableTx { Tx = tx, DualProof = ToWire.Dual(proof) };
    }

    private static T Change<T>(IMessage reply, Action<T> change)
        where T : IMessage
    {
        change((T)reply);
        return (T)reply;
    }

    private static ByteString Flip(ByteString bytes, int bit)
    {
        var copy = bytes.ToByteArray();
        copy[bit / 8 % copy.Length] ^= (byte)(1 << (bit % 8));
        return ByteString.CopyFrom(copy);
    }

    private static Wire.Signature? SignatureOf(IMessage reply) => reply switch
    {
        Wire.VerifiableTx tx => tx.Signature,
        Wire.VerifiableEntry entry => entry.VerifiableTx.Signature,
        Wire.ImmutableState state => state.Signature,
        _ => throw new InvalidOperationException(reply.Descriptor.Name),
    };

    private static IMessage WithSignature(IMessage reply, Wire.Signature? signature)
    {
        switch (reply)
        {
            case Wire.VerifiableTx tx: tx.Signature = signature; break;
            case Wire.VerifiableEntry entry: entry.VerifiableTx.Signature = signature; break;
            case Wire.ImmutableState state: state.Signature = signature; break;
            default: throw new InvalidOperationException(reply.Descriptor.Name);
        }

        return reply;
    }

    // The state a reply's signature is over: the announced state, or the target of the reply's dual proof.
    private static ImmutableState SignedState(IMessage reply)
    {
        var proof = reply switch
        {
            Wire.VerifiableTx tx => tx.DualProof,
            Wire.VerifiableEntry entry => entry.VerifiableTx.DualProof,
            Wire.ImmutableState state => null,
            _ => throw new InvalidOperationException(reply.Descriptor.Name),
        };
        if (proof is null)
        {
            var state = (Wire.ImmutableState)reply;
            return new ImmutableState(state.Db, state.TxId, new Digest(state.TxHash.Span));
        }

        var target = WireProofs.Header(proof.TargetTxHeader);
        return new ImmutableState("defaultdb", target.Id, target.Alh());
    }

    private static Wire.Signature Signature(ImmutableState signed) => new()
    {
        PublicKey = ByteString.CopyFrom(signed.Signature!.PublicKey),
        Signature_ = ByteString.CopyFrom(signed.Signature.Signature),
    };
}

/// <summary>
/// Real changes of history behind one address: the lying server forwards to a copy of the server's data folder
/// (same identity file) that is older than what the client verified, then to that copy after it wrote its own txs.
/// </summary>
public sealed class LyingServerHistoryTests
{
    private static byte[] U(string s) => LiarFixture.U(s);

    [Fact]
    public async Task A_rolled_back_and_then_forked_history_behind_the_same_address_is_refused()
    {
        using var folder = new TempFolder();
        string original = Path.Combine(folder.Path, "original");
        string snapshot = Path.Combine(folder.Path, "snapshot");
        string trustFile = Path.Combine(folder.Path, "trust.json");
        await using (var first = await ServerProcess.StartAsync(original))
        {
            await using var writer = new CairnClient(new CairnClientOptions { Address = $"http://127.0.0.1:{first.Port}" });
            await writer.LoginAsync("immudb", ServerProcess.AdminPassword);
            await writer.SetAsync(U("h:1"), U("a"));
            await writer.SetAsync(U("h:2"), U("b"));
            await first.TerminateAsync();
        }

        CopyFolder(original, snapshot);
        await using var server = await ServerProcess.StartAsync(original);
        await using var proxy = await LyingServer.StartAsync($"http://127.0.0.1:{server.Port}");
        using (var store = new FileStateStore(trustFile))
        {
            await using var client = new CairnClient(new CairnClientOptions { Address = proxy.Address, StateStore = store });
            await client.LoginAsync("immudb", ServerProcess.AdminPassword);
            for (int i = 0; i < 3; i++)
            {
                await client.VerifiedSetAsync(U($"h:late{i}"), U("c"));
            }
        }

        string trusted = await File.ReadAllTextAsync(trustFile);
        await using var copy = await ServerProcess.StartAsync(snapshot);
        Assert.Equal(server.Identity, copy.Identity);
        proxy.SetUpstream($"http://127.0.0.1:{copy.Port}");

        async Task<CairnIntegrityException> RefusedAsync(Func<CairnClient, Task> call)
        {
            using var store = new FileStateStore(trustFile);
            await using var client = new CairnClient(new CairnClientOptions { Address = proxy.Address, StateStore = store });
            await client.LoginAsync("immudb", ServerProcess.AdminPassword);
            var e = await Assert.ThrowsAsync<CairnIntegrityException>(() => call(client));
            Assert.Equal(trusted, await File.ReadAllTextAsync(trustFile));
            return e;
        }

        // Rolled back: the same server (same identity) without the txs the client verified.
        Assert.Equal(IntegrityFailure.StaleOrDivergentState, (await RefusedAsync(c => c.VerifiedGetAsync(U("h:1")))).Failure);
        Assert.Equal(IntegrityFailure.StaleOrDivergentState, (await RefusedAsync(c => c.VerifiedStateAsync())).Failure);

        // Forked: the copy writes its own txs past the trusted one, so its history no longer extends it.
        await using (var forker = new CairnClient(new CairnClientOptions { Address = $"http://127.0.0.1:{copy.Port}" }))
        {
            await forker.LoginAsync("immudb", ServerProcess.AdminPassword);
            for (int i = 0; i < 5; i++)
            {
                await forker.SetAsync(U($"h:fork{i}"), U("f"));
            }
        }

        Assert.NotEqual(IntegrityFailure.ServerIdentity, (await RefusedAsync(c => c.VerifiedGetAsync(U("h:fork4")))).Failure);
        Assert.NotEqual(IntegrityFailure.ServerIdentity, (await RefusedAsync(c => c.VerifiedGetAsync(U("h:1")))).Failure);
        await RefusedAsync(c => c.VerifiedStateAsync());
        await RefusedAsync(c => c.VerifiedSetAsync(U("h:after"), U("x")));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
