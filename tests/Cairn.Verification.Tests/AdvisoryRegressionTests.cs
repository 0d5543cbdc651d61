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
        // The honest log: txs 3…6 link only up to tx 2, so the trusted tx 6 covers txs 3…5 by its Alh chain alone.
        var honest = new TestLedger();
        for (int n = 1; n <= 6; n++)
        {
            honest.Commit([Support.PlainEntry($"k{n}", $"v{n}")], 1_600_000_000 + n, blTxId: n <= 3 ? (ulong)(n - 1) : 2);
        }

        var trusted = honest.GetHeader(6);

        // A malicious server grows a tree whose leaves 3…5 are forged txs, but keeps leaf 6 = the trusted Alh.
        var forged = new ForgedLedger(honest, fakeLeaves: [3, 4, 5]);
        for (int n = 7; n <= 10; n++)
        {
            forged.Commit(1_600_000_000 + n);
        }

        var attack = ProofBuilder.Dual(forged, forged.Tree, 6, 10);
        var target = forged.GetHeader(10);

        // Every check a pre-1.4.1 client made passes on the forged history...
        AppendOnlyTree.VerifyInclusion(attack.InclusionProof.ToArray(), 6, target.BlTxId, AppendOnlyTree.LeafFor(trusted.Alh()), target.BlRoot);
        AppendOnlyTree.VerifyConsistency(attack.ConsistencyProof.ToArray(), trusted.BlTxId, target.BlTxId, trusted.BlRoot, target.BlRoot);
        AppendOnlyTree.VerifyLastInclusion(attack.LastInclusionProof.ToArray(), target.BlTxId, AppendOnlyTree.LeafFor(attack.TargetBlTxAlh), target.BlRoot);
        LinearProof.Verify(attack.LinearProof, target.BlTxId, 10, attack.TargetBlTxAlh, target.Alh());

        // ...but the txs the trusted state covered only by its chain are not the tree's leaves: refused.
        var error = Support.Rejects(() => DualProof.Verify(attack, 6, 10, trusted.Alh(), target.Alh()));
        Assert.Equal(IntegrityFailure.LinearAdvanceProof, error.Failure);

        // Leaving the advance proof out does not help.
        var withoutAdvance = new DualProof(attack.SourceTxHeader, attack.TargetTxHeader, attack.InclusionProof, attack.ConsistencyProof,
            attack.TargetBlTxAlh, attack.LastInclusionProof, attack.LinearProof, linearAdvanceProof: null);
        Assert.Equal(IntegrityFailure.LinearAdvanceProof, Support.Rejects(() => DualProof.Verify(withoutAdvance, 6, 10, trusted.Alh(), target.Alh())).Failure);

        // The honest server's proof over the same shape verifies.
        for (int n = 7; n <= 10; n++)
        {
            honest.Commit([Support.PlainEntry($"k{n}", $"v{n}")], 1_600_000_000 + n);
        }

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

    /// <summary>The honest headers, with a tree whose leaves at <c>fakeLeaves</c> are replaced by forged Alhs.</summary>
    private sealed class ForgedLedger : ITxHeaderSource
    {
        private readonly List<TxHeader> _headers = [];

        public ForgedLedger(TestLedger honest, int[] fakeLeaves)
        {
            for (ulong id = 1; id <= honest.LastTxId; id++)
            {
                var header = honest.GetHeader(id);
                _headers.Add(header);
                Tree.Append(fakeLeaves.Contains((int)id) ? Digest.Compute(Support.Ascii($"forged tx {id}")) : header.Alh());
            }
        }

        public AppendOnlyTree Tree { get; } = new(new MemoryTreeNodeStore());

        public TxHeader GetHeader(ulong txId) => _headers[(int)txId - 1];

        public void Commit(long timestamp)
        {
            ulong id = (ulong)_headers.Count + 1;
            var entries = new[] { Support.PlainEntry($"k{id}", "v") };
            var header = new TxHeader(id, _headers[^1].Alh(), timestamp, TxHeader.Version0, null, 1,
                TxMerkleTree.ForEntries(entries, 0).Root, id - 1, Tree.RootAt(id - 1));
            _headers.Add(header);
            Tree.Append(header.Alh());
        }
    }
}
