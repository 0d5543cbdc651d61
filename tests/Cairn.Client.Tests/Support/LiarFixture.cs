// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using Cairn.Client.State;
using Cairn.Server.Tests;
using Cairn.Verification;
using Google.Protobuf;
using Grpc.Core;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Client.Tests.Support;

/// <summary>
/// One real server (signing its states) behind one <see cref="LyingServer"/>, with a history on both sides of a
/// baseline state: keys, a multi-entry tx, references and a sorted set before it, more of each after it. Each
/// case starts a client from the baseline trust (a copy of it), so a case cannot leak trust into the next.
/// </summary>
public sealed class LiarFixture : IAsyncLifetime, IDisposable
{
    private readonly TempFolder _folder = new();

    internal ServerProcess Server { get; private set; } = null!;

    internal LyingServer Proxy { get; private set; } = null!;

    internal StateSigner Signer { get; } = StateSigner.Generate();

    /// <summary>The trusted state every case starts from: tx <c>base</c> was written in.</summary>
    internal ImmutableState Baseline { get; private set; } = null!;

    /// <summary>A state the real server signed before the baseline (for rollbacks).</summary>
    internal Wire.ImmutableState OlderState { get; private set; } = null!;

    /// <summary>The baseline trust as a <see cref="FileStateStore"/> file.</summary>
    internal string BaselineFile => Path.Combine(_folder.Path, "baseline.json");

    internal string Identity => Server.Identity;

    /// <summary>Headers for calls straight to the real server.</summary>
    internal Metadata Direct { get; private set; } = null!;

    /// <summary>The last tx written by the setup.</summary>
    internal ulong LastSetupTx { get; private set; }

    internal static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    public async Task InitializeAsync()
    {
        string keyFile = Path.Combine(_folder.Path, "key.pem");
        await File.WriteAllTextAsync(keyFile, Signer.ExportPrivateKeyPem());
        Server = await ServerProcess.StartAsync(arguments: ["--signing-key", keyFile]);
        Proxy = await LyingServer.StartAsync($"http://127.0.0.1:{Server.Port}");
        Direct = await Server.LoginAsync();

        await using var client = NewClient(new MemoryStateStore(), withKey: true);
        await client.LoginAsync("immudb", ServerProcess.AdminPassword);
        for (int i = 0; i < 4; i++)
        {
            await client.VerifiedSetAsync(U($"old:{i}"), U($"old value {i}"));
        }

        await client.VerifiedSetAllAsync([(U("old:m0"), U("a")), (U("old:m1"), U("b")), (U("old:m2"), U("c"))]);
        await client.VerifiedSetReferenceAsync(U("oldref"), U("old:1"));
        await client.VerifiedZAddAsync(U("set"), 1.5, U("old:0"));
        OlderState = await Server.Client.CurrentStateAsync(new Google.Protobuf.WellKnownTypes.Empty(), Direct);
        await client.VerifiedSetAllAsync([(U("old:w0"), U("x")), (U("old:w1"), U("y")), (U("old:w2"), U("z")), (U("old:w3"), U("w")), (U("old:w4"), U("v"))]);
        await client.VerifiedSetAsync(U("base"), U("the baseline"));
        Baseline = client.TrustedState!;

        // History the baseline does not cover yet, written without verification.
        for (int i = 0; i < 4; i++)
        {
            await client.SetAsync(U($"new:{i}"), U($"new value {i}"));
        }

        await client.SetAllAsync([(U("new:m0"), U("a")), (U("new:m1"), U("b")), (U("new:m2"), U("c"))]);
        await client.SetReferenceAsync(U("newref"), U("new:1"));
        LastSetupTx = (await client.ZAddAsync(U("set"), 2.5, U("new:0"))).Id;

        using var store = new FileStateStore(BaselineFile);
        await store.SaveAsync(Proxy.Address, BaselineTrust());
    }

    internal TrustedServer BaselineTrust() => new(Identity, new Dictionary<string, ImmutableState>(StringComparer.Ordinal) { ["defaultdb"] = Baseline });

    internal CairnClient NewClient(IStateStore store, bool withKey, byte[]? key = null) => new(new CairnClientOptions
    {
        Address = Proxy.Address,
        StateStore = store,
        ServerSigningPublicKey = key ?? (withKey ? Signer.PublicKey : null),
    });

    /// <summary>A client through the lying server that trusts the baseline, kept in a file copy or in memory.</summary>
    internal async Task<(CairnClient Client, TrustCheck Trust)> BaselineClientAsync(bool fileStore, bool withKey, string name, byte[]? key = null)
    {
        IStateStore store;
        string? file = null;
        if (fileStore)
        {
            file = Path.Combine(_folder.Path, name + ".json");
            File.Copy(BaselineFile, file, overwrite: true);
            store = new FileStateStore(file);
        }
        else
        {
            store = new MemoryStateStore();
            await store.SaveAsync(Proxy.Address, BaselineTrust());
        }

        var client = NewClient(store, withKey, key);
        await client.LoginAsync("immudb", ServerProcess.AdminPassword);
        return (client, new TrustCheck(this, client, store, file));
    }

    /// <summary>The header of tx <paramref name="txId"/> as the real server has it.</summary>
    internal async Task<TxHeader> RealHeaderAsync(ulong txId)
    {
        var tx = await Server.Client.TxByIdAsync(new Wire.TxRequest { Tx = txId }, Direct);
        return WireProofs.Header(tx.Header); // with its metadata: the server records provenance in version-1 headers
    }

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Server.DisposeAsync();
        Dispose();
    }

    public void Dispose()
    {
        Signer.Dispose();
        _folder.Dispose();
    }
}

/// <summary>What a case's client trusts, to compare before and after a lie.</summary>
internal sealed class TrustCheck(LiarFixture fixture, CairnClient client, IStateStore store, string? file)
{
    public CairnClient Client => client;

    public IStateStore Store => store;

    /// <summary>Null when the client and its store still trust exactly the baseline, else what differs.</summary>
    public async Task<string?> ChangedAsync()
    {
        var baseline = fixture.Baseline;
        if (client.TrustedState is not { } held || !Same(held, baseline))
        {
            return $"client.TrustedState moved to {Describe(client.TrustedState)} (baseline {Describe(baseline)})";
        }

        if (file is not null)
        {
            return await File.ReadAllTextAsync(file) == await File.ReadAllTextAsync(fixture.BaselineFile) ? null : "the trust file changed";
        }

        var stored = await store.LoadAsync(fixture.Proxy.Address);
        return stored is not null && stored.ServerIdentity == fixture.Identity && stored.States.Count == 1
            && stored.States.TryGetValue("defaultdb", out var state) && Same(state, baseline)
            ? null
            : "the memory store changed";
    }

    internal static bool Same(ImmutableState a, ImmutableState b) =>
        a.Database == b.Database && a.TxId == b.TxId && a.TxHash == b.TxHash
        && (a.Signature is null ? b.Signature is null : b.Signature is not null
            && a.Signature.PublicKey.AsSpan().SequenceEqual(b.Signature.PublicKey) && a.Signature.Signature.AsSpan().SequenceEqual(b.Signature.Signature));

    private static string Describe(ImmutableState? s) => s is null ? "nothing" : $"tx {s.TxId} {s.TxHash}";
}

/// <summary>Shares one <see cref="LiarFixture"/> between the classes that lie through it (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class LiarServerGroup : ICollectionFixture<LiarFixture>
{
    public const string Name = "lying server";
}

/// <summary>Turns Verification types into immudb's messages, for lies built from scratch.</summary>
internal static class ToWire
{
    public static Wire.TxHeader Header(TxHeader header) => new()
    {
        Id = header.Id,
        PrevAlh = Bytes(header.PrevAlh),
        Ts = header.Timestamp,
        Nentries = header.EntryCount,
        EH = Bytes(header.EntriesHash),
        BlTxId = header.BlTxId,
        BlRoot = Bytes(header.BlRoot),
        Version = header.Version,
    };

    public static Wire.DualProof Dual(DualProof proof)
    {
        var wire = new Wire.DualProof
        {
            SourceTxHeader = Header(proof.SourceTxHeader),
            TargetTxHeader = Header(proof.TargetTxHeader),
            TargetBlTxAlh = Bytes(proof.TargetBlTxAlh),
            LinearProof = new Wire.LinearProof { SourceTxId = proof.LinearProof.SourceTxId, TargetTxId = proof.LinearProof.TargetTxId },
        };
        wire.InclusionProof.AddRange(proof.InclusionProof.Select(Bytes));
        wire.ConsistencyProof.AddRange(proof.ConsistencyProof.Select(Bytes));
        wire.LastInclusionProof.AddRange(proof.LastInclusionProof.Select(Bytes));
        wire.LinearProof.Terms.AddRange(proof.LinearProof.Terms.Select(Bytes));
        if (proof.LinearAdvanceProof is { } advance)
        {
            wire.LinearAdvanceProof = new Wire.LinearAdvanceProof();
            wire.LinearAdvanceProof.LinearProofTerms.AddRange(advance.LinearProofTerms.Select(Bytes));
            foreach (var inclusion in advance.InclusionProofs)
            {
                var terms = new Wire.InclusionProof();
                terms.Terms.AddRange(inclusion.Select(Bytes));
                wire.LinearAdvanceProof.InclusionProofs.Add(terms);
            }
        }

        return wire;
    }

    public static Wire.TxEntry Entry(TxEntry entry) => new() { Key = ByteString.CopyFrom(entry.Key.Span), HValue = Bytes(entry.ValueHash), VLen = entry.ValueLength };

    public static Wire.ImmutableState State(ImmutableState state) => new()
    {
        Db = state.Database,
        TxId = state.TxId,
        TxHash = Bytes(state.TxHash),
        Signature = state.Signature is { } s ? new Wire.Signature { PublicKey = ByteString.CopyFrom(s.PublicKey), Signature_ = ByteString.CopyFrom(s.Signature) } : null,
    };

    public static ByteString Bytes(Digest digest) => ByteString.CopyFrom(digest.AsSpan());
}
