// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Security.Cryptography;

namespace Cairn.Verification.Tests;

public sealed class StateTests
{
    private static readonly Digest Alh2 = Digest.FromHex("017aee6ed869e252b5f504891011337ecae03fb00a0e3174204632c01020b2dc");

    [Fact]
    public void A_signed_state_verifies_with_the_servers_public_key_in_immudbs_byte_form()
    {
        using var signer = StateSigner.Generate();
        var signed = signer.Sign(new ImmutableState("defaultdb", 2, Alh2));
        Assert.NotNull(signed.Signature);
        Assert.Equal(StatePublicKey.Size, signed.Signature.PublicKey.Length);
        Assert.Equal(0x04, signed.Signature.PublicKey[0]);
        Assert.Equal(0x30, signed.Signature.Signature[0]); // DER SEQUENCE
        StatePublicKey.Verify(signed, signer.PublicKey);

        // Checked the way a Go or Python client does: ECDSA over SHA-256 of the signing bytes, DER, with the raw point.
        using var independent = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = signer.PublicKey[1..33], Y = signer.PublicKey[33..] },
        });
        Assert.True(independent.VerifyData(signed.SigningBytes(), signed.Signature.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(signed.WithoutSignature(), new ImmutableState("defaultdb", 2, Alh2));
    }

    [Fact]
    public void Altered_unsigned_or_foreign_signed_states_are_rejected()
    {
        using var signer = StateSigner.Generate();
        using var stranger = StateSigner.Generate();
        var signed = signer.Sign(new ImmutableState("defaultdb", 2, Alh2));

        Assert.Equal(IntegrityFailure.Signature, Support.Rejects(() => StatePublicKey.Verify(signed with { TxId = 3 }, signer.PublicKey)).Failure);
        Support.Rejects(() => StatePublicKey.Verify(signed with { Database = "otherdb" }, signer.PublicKey));
        Support.Rejects(() => StatePublicKey.Verify(signed with { TxHash = Support.FlipBit(Alh2, 100) }, signer.PublicKey));
        Support.Rejects(() => StatePublicKey.Verify(signed.WithoutSignature(), signer.PublicKey));
        Support.Rejects(() => StatePublicKey.Verify(stranger.Sign(signed), signer.PublicKey));

        var badSignature = signed.Signature!.Signature.ToArray();
        badSignature[^1] ^= 1;
        Support.Rejects(() => StatePublicKey.Verify(signed with { Signature = signed.Signature with { Signature = badSignature } }, signer.PublicKey));
        Support.Rejects(() => StatePublicKey.Verify(signed with { Signature = signed.Signature with { Signature = [1, 2, 3] } }, signer.PublicKey));

        // A trusted key that is not a P-256 point at all.
        byte[] notAPoint = [0x02, .. new byte[64]];
        Support.Rejects(() => StatePublicKey.Verify(signed with { Signature = signed.Signature with { PublicKey = notAPoint } }, notAPoint));
    }

    [Fact]
    public void Keys_load_from_pem_as_openssl_writes_them()
    {
        using var generated = StateSigner.Generate();
        using var ecKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string sec1Pem = ecKey.ExportECPrivateKeyPem(); // "EC PRIVATE KEY", as `openssl ecparam -genkey` writes
        using var fromSec1 = StateSigner.FromPem(sec1Pem);
        using var fromPkcs8 = StateSigner.FromPem(generated.ExportPrivateKeyPem());
        Assert.Equal(generated.PublicKey, fromPkcs8.PublicKey);
        Assert.Equal(fromSec1.PublicKey, StatePublicKey.FromPem(fromSec1.ExportPublicKeyPem()));
        StatePublicKey.Verify(fromSec1.Sign(new ImmutableState("db", 1, Alh2)), StatePublicKey.FromPem(ecKey.ExportSubjectPublicKeyInfoPem()));

        Assert.Throws<ArgumentException>(() => StateSigner.FromPem("not a key"));
        Assert.Throws<ArgumentException>(() => StatePublicKey.FromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"));
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() => StateSigner.FromPem(p384.ExportECPrivateKeyPem()));
        Assert.Throws<ArgumentException>(() => StatePublicKey.FromPem(p384.ExportSubjectPublicKeyInfoPem()));
        Assert.Throws<ArgumentNullException>(() => StateSigner.FromPem(null!));
        Assert.Throws<ArgumentNullException>(() => StatePublicKey.FromPem(null!));
        Assert.Throws<ArgumentNullException>(() => generated.Sign(null!));
        Assert.Throws<ArgumentNullException>(() => StatePublicKey.Verify(null!, generated.PublicKey));
    }

    [Fact]
    public void The_holder_advances_only_with_a_proof_and_never_backwards()
    {
        var ledger = ImmudbVectorTests.ImmudbLedger();
        var holder = new TrustedStateHolder("server-a");
        Assert.Equal("server-a", holder.ServerIdentity);
        var s2 = State(ledger, 2);
        Assert.Equal(IntegrityFailure.StaleOrDivergentState, Support.Rejects(() => holder.Advance("server-a", s2, null)).Failure);
        holder.Bootstrap("server-a", s2);
        holder.Bootstrap("server-a", s2); // the same state again is fine
        Support.Rejects(() => holder.Bootstrap("server-a", State(ledger, 3)));

        // Forward with a good proof; same state needs none; backwards, diverging or unproven is refused.
        holder.Advance("server-a", State(ledger, 4), ProofBuilder.Dual(ledger, ledger.Tree, 2, 4));
        holder.Advance("server-a", State(ledger, 4), null);
        Assert.Equal(IntegrityFailure.StaleOrDivergentState, Support.Rejects(() => holder.Advance("server-a", State(ledger, 3), null)).Failure);
        Assert.Equal(IntegrityFailure.StaleOrDivergentState, Support.Rejects(() => holder.Advance("server-a", new ImmutableState("defaultdb", 4, Alh2), null)).Failure);
        Assert.Equal(IntegrityFailure.MalformedProof, Support.Rejects(() => holder.Advance("server-a", State(ledger, 5), null)).Failure);
        Support.Rejects(() => holder.Advance("server-a", State(ledger, 5), ProofBuilder.Dual(ledger, ledger.Tree, 3, 5)));
        var forked = new ImmutableState("defaultdb", 5, Support.FlipBit(ledger.GetHeader(5).Alh(), 1));
        Assert.Equal(IntegrityFailure.HeaderMismatch, Support.Rejects(() => holder.Advance("server-a", forked, ProofBuilder.Dual(ledger, ledger.Tree, 4, 5))).Failure);
        Assert.Equal(4UL, holder.Get("server-a", "defaultdb")!.TxId);

        // From an empty database (tx 0) any history extends the trusted one.
        var fresh = new TrustedStateHolder();
        Assert.Null(fresh.ServerIdentity);
        fresh.Bootstrap("server-x", new ImmutableState("db", 0, Digest.OfEmpty));
        fresh.Advance("server-x", new ImmutableState("db", 5, ledger.GetHeader(5).Alh()), null);
        Assert.Equal(5UL, fresh.Get("server-x", "db")!.TxId);
        Assert.Throws<ArgumentNullException>(() => fresh.Bootstrap("server-x", null!));
        Assert.Throws<ArgumentNullException>(() => fresh.Advance("server-x", null!, null));
    }

    [Fact]
    public void A_holder_with_a_server_key_requires_signed_states()
    {
        var ledger = ImmudbVectorTests.ImmudbLedger();
        using var signer = StateSigner.Generate();
        var holder = new TrustedStateHolder(null, signer.PublicKey);
        Assert.Equal(IntegrityFailure.Signature, Support.Rejects(() => holder.Bootstrap("s", State(ledger, 2))).Failure);
        holder.Bootstrap("s", signer.Sign(State(ledger, 2)));
        Support.Rejects(() => holder.Advance("s", State(ledger, 3), ProofBuilder.Dual(ledger, ledger.Tree, 2, 3)));
        holder.Advance("s", signer.Sign(State(ledger, 3)), ProofBuilder.Dual(ledger, ledger.Tree, 2, 3));
        Assert.Equal(3UL, holder.Get("s", "defaultdb")!.TxId);
    }

    private static ImmutableState State(TestLedger ledger, ulong txId) => new("defaultdb", txId, ledger.GetHeader(txId).Alh());
}
