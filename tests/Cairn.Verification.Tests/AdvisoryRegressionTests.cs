// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification.Tests;

/// <summary>Named regressions for the two immudb client advisories of 2022.</summary>
public sealed class AdvisoryRegressionTests
{
    [Fact]
    public void CVE_2022_36111_a_linear_proof_with_a_wrong_middle_element_is_rejected()
    {
        var ledger = new TestLedger();
        for (int n = 1; n <= 8; n++)
        {
            ledger.Commit([Support.PlainEntry($"k{n}", $"v{n}")], 1_600_000_000 + n, blTxId: 0);
        }

        var proof = ProofBuilder.Linear(ledger, 2, 7);
        Assert.Equal(6, proof.Terms.Count);
        LinearProof.Verify(proof, 2, 7, ledger.GetHeader(2).Alh(), ledger.GetHeader(7).Alh());
        for (int middle = 1; middle < proof.Terms.Count - 1; middle++)
        {
            var terms = proof.Terms.ToArray();
            terms[middle] = Support.FlipBit(terms[middle], 17);
            var error = Support.Rejects(() => LinearProof.Verify(new LinearProof(2, 7, terms), 2, 7, ledger.GetHeader(2).Alh(), ledger.GetHeader(7).Alh()));
            Assert.Equal(IntegrityFailure.LinearProof, error.Failure);
        }

        // One term too many or too few is refused even if the hashes were made to match.
        Support.Rejects(() => LinearProof.Verify(new LinearProof(2, 7, proof.Terms.Take(5).ToArray()), 2, 7, ledger.GetHeader(2).Alh(), ledger.GetHeader(7).Alh()));
        Support.Rejects(() => LinearProof.Verify(new LinearProof(2, 7, [.. proof.Terms, Digest.Zero]), 2, 7, ledger.GetHeader(2).Alh(), ledger.GetHeader(7).Alh()));
    }

    [Fact]
    public void CVE_2022_36111_a_forged_history_behind_the_linear_part_of_a_dual_proof_is_rejected()
    {
        var history = ForgedHistory.Build();
        var trusted = history.Trusted;
        var attack = history.Attack;
        var target = history.Target;

        // Every check a pre-1.4.1 client made passes on the forged history...
        history.PassesPre141Checks();

        // ...but the txs the trusted state covered only by its chain are not the tree's leaves: refused.
        var error = Support.Rejects(() => DualProof.Verify(attack, 6, 10, trusted.Alh(), target.Alh()));
        Assert.Equal(IntegrityFailure.LinearAdvanceProof, error.Failure);

        // Leaving the advance proof out does not help.
        var withoutAdvance = new DualProof(attack.SourceTxHeader, attack.TargetTxHeader, attack.InclusionProof, attack.ConsistencyProof,
            attack.TargetBlTxAlh, attack.LastInclusionProof, attack.LinearProof, linearAdvanceProof: null);
        Assert.Equal(IntegrityFailure.LinearAdvanceProof, Support.Rejects(() => DualProof.Verify(withoutAdvance, 6, 10, trusted.Alh(), target.Alh())).Failure);

        // The honest server's proof over the same shape verifies.
        var honest = history.ContinueHonestly();
        DualProof.Verify(ProofBuilder.Dual(honest, honest.Tree, 6, 10), 6, 10, trusted.Alh(), honest.GetHeader(10).Alh());
    }

    [Fact]
    public void CVE_2022_39199_a_server_claiming_another_identity_cannot_replace_the_trusted_state()
    {
        var ledger = ImmudbVectorTests.ImmudbLedger();
        var holder = new TrustedStateHolder();
        var trusted = new ImmutableState("defaultdb", 3, ledger.GetHeader(3).Alh());
        holder.Bootstrap("server-a", trusted);
        Assert.Equal("server-a", holder.ServerIdentity);

        // Another server (or the same one lying about who it is) offers an unrelated state.
        var other = new TestLedger();
        other.Commit([Support.PlainEntry("forged", "history")], 1);
        var foreign = new ImmutableState("defaultdb", 1, other.GetHeader(1).Alh());

        Assert.Equal(IntegrityFailure.ServerIdentity, Support.Rejects(() => holder.Get("server-b", "defaultdb")).Failure);
        Assert.Equal(IntegrityFailure.ServerIdentity, Support.Rejects(() => holder.Bootstrap("server-b", foreign)).Failure);
        Assert.Equal(IntegrityFailure.ServerIdentity, Support.Rejects(() => holder.Bootstrap("server-b", new ImmutableState("otherdb", 1, foreign.TxHash))).Failure);
        Assert.Equal(IntegrityFailure.ServerIdentity, Support.Rejects(() => holder.Advance("server-b", foreign, null)).Failure);
        Assert.Equal(IntegrityFailure.ServerIdentity, Support.Rejects(() => holder.Get(string.Empty, "defaultdb")).Failure);

        // The trusted state is untouched and the real server still advances it with a proof.
        Assert.Equal(trusted, holder.Get("server-a", "defaultdb"));
        Assert.Null(holder.Get("server-a", "otherdb"));
        var next = new ImmutableState("defaultdb", 5, ledger.GetHeader(5).Alh());
        holder.Advance("server-a", next, ProofBuilder.Dual(ledger, ledger.Tree, 3, 5));
        Assert.Equal(next, holder.Get("server-a", "defaultdb"));
    }
}
