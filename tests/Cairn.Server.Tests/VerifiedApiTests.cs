// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Client;
using Cairn.Verification;
using Google.Protobuf;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>
/// Verified writes and reads checked on the client side with the Verification library, the trusted state
/// carried across a server restart, tampered replies rejected, and signed states.
/// </summary>
public sealed class VerifiedApiTests
{
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    [Fact]
    public async Task Verified_writes_and_reads_check_out_on_the_client_across_a_restart()
    {
        await using var first = await ServerProcess.StartAsync();
        var holder = new TrustedStateHolder();
        var admin = await first.LoginAsync();
        var client = first.Client;
        holder.Bootstrap(first.Identity, WireProofs.State(await client.CurrentStateAsync(Empty, admin)));
        Assert.Equal(1UL, holder.Get(first.Identity, "defaultdb")!.TxId);

        var setReply = await client.VerifiableSetAsync(new Wire.VerifiableSetRequest
        {
            SetRequest = new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("v:old"), Value = B("first") } } },
            ProveSinceTx = Trusted(holder, first).TxId,
        }, admin);
        var setHeader = VerifiedReplies.VerifyTx(holder, first.Identity, "defaultdb", setReply);
        Assert.Equal(2UL, setHeader.Id);
        Assert.Equal(2UL, Trusted(holder, first).TxId);

        for (int i = 0; i < 20; i++)
        {
            await client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B($"v:filler{i}"), Value = B("x") } } }, admin);
        }

        // A later verified write moves the state to 23; then the older key is read against it.
        var later = await client.VerifiableSetAsync(new Wire.VerifiableSetRequest
        {
            SetRequest = new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("v:new"), Value = B("second") } } },
            ProveSinceTx = Trusted(holder, first).TxId,
        }, admin);
        Assert.Equal(23UL, VerifiedReplies.VerifyTx(holder, first.Identity, "defaultdb", later).Id);
        var old = await client.VerifiableGetAsync(new Wire.VerifiableGetRequest { KeyRequest = new Wire.KeyRequest { Key = B("v:old") }, ProveSinceTx = 23 }, admin);
        Assert.Equal("first", S(VerifiedReplies.VerifyEntry(holder, first.Identity, "defaultdb", B("v:old").Span, old).Value));

        // Reference and sorted-set writes, and a tx by id, all verified.
        var refReply = await client.VerifiableSetReferenceAsync(new Wire.VerifiableReferenceRequest
        {
            ReferenceRequest = new Wire.ReferenceRequest { Key = B("v:alias"), ReferencedKey = B("v:old") },
            ProveSinceTx = Trusted(holder, first).TxId,
        }, admin);
        VerifiedReplies.VerifyTx(holder, first.Identity, "defaultdb", refReply);
        var viaAlias = await client.VerifiableGetAsync(new Wire.VerifiableGetRequest { KeyRequest = new Wire.KeyRequest { Key = B("v:alias") }, ProveSinceTx = Trusted(holder, first).TxId }, admin);
        var aliasEntry = VerifiedReplies.VerifyEntry(holder, first.Identity, "defaultdb", B("v:alias").Span, viaAlias);
        Assert.Equal("first", S(aliasEntry.Value));
        Assert.Equal("v:alias", S(aliasEntry.ReferencedBy.Key));
        var zReply = await client.VerifiableZAddAsync(new Wire.VerifiableZAddRequest
        {
            ZAddRequest = new Wire.ZAddRequest { Set = B("v:set"), Score = 1.5, Key = B("v:old") },
            ProveSinceTx = Trusted(holder, first).TxId,
        }, admin);
        VerifiedReplies.VerifyTx(holder, first.Identity, "defaultdb", zReply);
        var txReply = await client.VerifiableTxByIdAsync(new Wire.VerifiableTxRequest { Tx = 5, ProveSinceTx = Trusted(holder, first).TxId }, admin);
        Assert.Equal(5UL, VerifiedReplies.VerifyTx(holder, first.Identity, "defaultdb", txReply).Id);
        var trustedBeforeRestart = Trusted(holder, first);

        // Restart over the same data: same identity, and the new history extends the trusted state.
        int exit = await first.TerminateAsync();
        Assert.Equal(0, exit);
        await using var second = await ServerProcess.StartAsync(first.DataDirectory);
        Assert.Equal(first.Identity, second.Identity);
        var admin2 = await second.LoginAsync();
        await second.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("v:after"), Value = B("restart") } } }, admin2);
        var afterRestart = await second.Client.VerifiableGetAsync(new Wire.VerifiableGetRequest { KeyRequest = new Wire.KeyRequest { Key = B("v:after") }, ProveSinceTx = trustedBeforeRestart.TxId }, admin2);
        VerifiedReplies.VerifyEntry(holder, second.Identity, "defaultdb", B("v:after").Span, afterRestart);
        Assert.Equal(trustedBeforeRestart.TxId + 1, Trusted(holder, second).TxId);
        var oldAgain = await second.Client.VerifiableGetAsync(new Wire.VerifiableGetRequest { KeyRequest = new Wire.KeyRequest { Key = B("v:old") }, ProveSinceTx = Trusted(holder, second).TxId }, admin2);
        VerifiedReplies.VerifyEntry(holder, second.Identity, "defaultdb", B("v:old").Span, oldAgain);

        // Tampered replies are caught: another value, another key, a flipped proof term.
        var forgedValue = oldAgain.Clone();
        forgedValue.Entry.Value = B("forged");
        Assert.Throws<IntegrityException>(() => VerifiedReplies.VerifyEntry(holder, second.Identity, "defaultdb", B("v:old").Span, forgedValue));
        Assert.Throws<IntegrityException>(() => VerifiedReplies.VerifyEntry(holder, second.Identity, "defaultdb", B("v:other").Span, oldAgain));
        var forgedProof = oldAgain.Clone();
        var term = forgedProof.VerifiableTx.DualProof.ConsistencyProof.Count > 0
            ? forgedProof.VerifiableTx.DualProof.ConsistencyProof
            : forgedProof.VerifiableTx.DualProof.InclusionProof;
        byte[] flipped = term[0].ToByteArray();
        flipped[0] ^= 1;
        term[0] = ByteString.CopyFrom(flipped);
        Assert.Throws<IntegrityException>(() => VerifiedReplies.VerifyEntry(holder, second.Identity, "defaultdb", B("v:old").Span, forgedProof));

        // Asking to prove from beyond the last tx is refused as immudb does.
        await Refused(StatusCode.InvalidArgument, async () => await second.Client.VerifiableTxByIdAsync(new Wire.VerifiableTxRequest { Tx = 2, ProveSinceTx = 10_000 }, admin2), "illegal state");
    }

    [Fact]
    public async Task A_signing_key_signs_every_state_and_verifiable_answer()
    {
        using var folder = new TempFolder();
        using var signer = StateSigner.Generate();
        string keyFile = Path.Combine(folder.Path, "signing.pem");
        await File.WriteAllTextAsync(keyFile, signer.ExportPrivateKeyPem());
        await using var server = await ServerProcess.StartAsync(arguments: ["--signing-key", keyFile]);
        var admin = await server.LoginAsync();

        var state = WireProofs.State(await server.Client.CurrentStateAsync(Empty, admin));
        Assert.NotNull(state.Signature);
        Assert.Equal(signer.PublicKey, state.Signature!.PublicKey);
        StatePublicKey.Verify(state, signer.PublicKey);

        // A holder that requires the server's key accepts the signed answers.
        var holder = new TrustedStateHolder(server.Identity, signer.PublicKey);
        holder.Bootstrap(server.Identity, state);
        var reply = await server.Client.VerifiableSetAsync(new Wire.VerifiableSetRequest
        {
            SetRequest = new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("signed"), Value = B("yes") } } },
            ProveSinceTx = state.TxId,
        }, admin);
        Assert.NotNull(reply.Signature);
        VerifiedReplies.VerifyTx(holder, server.Identity, "defaultdb", reply);

        // A signature from another key is refused.
        using var other = StateSigner.Generate();
        var forged = reply.Clone();
        forged.Signature = new Wire.Signature { PublicKey = ByteString.CopyFrom(other.PublicKey), Signature_ = reply.Signature.Signature_ };
        var strict = new TrustedStateHolder(server.Identity, signer.PublicKey);
        strict.Bootstrap(server.Identity, state);
        Assert.Throws<IntegrityException>(() => VerifiedReplies.VerifyTx(strict, server.Identity, "defaultdb", forged));
    }

    private static ImmutableState Trusted(TrustedStateHolder holder, ServerProcess server) => holder.Get(server.Identity, "defaultdb")!;
}
