// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification.Tests;

/// <summary>Structural rules of linear, linear-advance and dual proofs that random flips rarely reach.</summary>
public sealed class ProofEdgeCaseTests
{
    [Fact]
    public void Linear_proofs_must_name_the_expected_range()
    {
        var ledger = ImmudbVectorTests.ImmudbLedger();
        var proof = ProofBuilder.Linear(ledger, 3, 5);
        var a3 = ledger.GetHeader(3).Alh();
        var a5 = ledger.GetHeader(5).Alh();
        LinearProof.Verify(proof, 3, 5, a3, a5);
        Assert.Equal(IntegrityFailure.MalformedProof, Support.Rejects(() => LinearProof.Verify(null, 3, 5, a3, a5)).Failure);
        Support.Rejects(() => LinearProof.Verify(proof, 2, 5, a3, a5));
        Support.Rejects(() => LinearProof.Verify(new LinearProof(0, 2, [a3, a3, a3]), 0, 2, a3, a5));
        Support.Rejects(() => LinearProof.Verify(new LinearProof(5, 3, [a3]), 5, 3, a3, a5));
        Assert.Equal(IntegrityFailure.LinearProof, Support.Rejects(() => LinearProof.Verify(proof, 3, 5, a5, a5)).Failure);
        Assert.Throws<ArgumentOutOfRangeException>(() => ProofBuilder.Linear(ledger, 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProofBuilder.Linear(ledger, 3, 2));
        Assert.Throws<ArgumentNullException>(() => ProofBuilder.Linear(null!, 1, 2));
        Assert.Throws<ArgumentNullException>(() => new LinearProof(1, 1, null!));
    }

    [Fact]
    public void Dual_proofs_refuse_impossible_requests_and_unneeded_parts()
    {
        var ledger = ImmudbVectorTests.ImmudbLedger();
        var proof = ProofBuilder.Dual(ledger, ledger.Tree, 2, 5);
        var a2 = ledger.GetHeader(2).Alh();
        var a5 = ledger.GetHeader(5).Alh();
        Assert.Equal(IntegrityFailure.MalformedProof, Support.Rejects(() => DualProof.Verify(null, 2, 5, a2, a5)).Failure);
        Assert.Equal(IntegrityFailure.HeaderMismatch, Support.Rejects(() => DualProof.Verify(proof, 3, 5, a2, a5)).Failure);

        var backwards = ProofBuilder.Dual(ledger, ledger.Tree, 2, 2);
        Support.Rejects(() => DualProof.Verify(Swap(ProofBuilder.Dual(ledger, ledger.Tree, 2, 5)), 5, 2, a5, a2));

        // tx 1 links nothing: its self proof has only the linear part, and anything else is refused.
        var self1 = ProofBuilder.Dual(ledger, ledger.Tree, 1, 1);
        var a1 = ledger.GetHeader(1).Alh();
        DualProof.Verify(self1, 1, 1, a1, a1);
        Assert.Empty(self1.ConsistencyProof);
        Assert.Empty(self1.LastInclusionProof);
        Assert.Equal(Digest.Zero, self1.TargetBlTxAlh);
        Support.Rejects(() => DualProof.Verify(Rebuild(self1, consistency: [a1]), 1, 1, a1, a1));
        Support.Rejects(() => DualProof.Verify(Rebuild(self1, lastInclusion: [a1]), 1, 1, a1, a1));
        Support.Rejects(() => DualProof.Verify(Rebuild(self1, inclusion: [a1]), 1, 1, a1, a1));
        Support.Rejects(() => DualProof.Verify(Rebuild(self1, advance: new LinearAdvanceProof([a1], [])), 1, 1, a1, a1));
        DualProof.Verify(Rebuild(self1, advance: new LinearAdvanceProof([], [])), 1, 1, a1, a1);
        _ = backwards;

        Assert.Throws<ArgumentOutOfRangeException>(() => ProofBuilder.Dual(ledger, ledger.Tree, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProofBuilder.Dual(ledger, ledger.Tree, 3, 2));
        Assert.Throws<ArgumentNullException>(() => ProofBuilder.Dual(null!, ledger.Tree, 1, 1));
        Assert.Throws<ArgumentNullException>(() => ProofBuilder.Dual(ledger, null!, 1, 1));
        Assert.Throws<ArgumentNullException>(() => ProofBuilder.LinearAdvance(null!, ledger.Tree, 1, 3, 3));
        Assert.Throws<ArgumentNullException>(() => ProofBuilder.LinearAdvance(ledger, null!, 1, 3, 3));
        Assert.Null(ProofBuilder.LinearAdvance(ledger, ledger.Tree, 2, 3, 3));
    }

    [Fact]
    public void A_tx_that_links_more_than_a_later_one_is_a_broken_log()
    {
        var ledger = new TestLedger();
        ledger.Commit([Support.PlainEntry("a", "1")], 1);
        ledger.Commit([Support.PlainEntry("b", "2")], 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => ledger.Commit([Support.PlainEntry("c", "3")], 3, blTxId: 0));
        var broken = new SwappedSource(ledger);
        Assert.Throws<ArgumentException>(() => ProofBuilder.Dual(broken, ledger.Tree, 1, 2));
    }

    [Fact]
    public void Linear_advance_proofs_check_their_shape()
    {
        var tree = new AppendOnlyTree(new MemoryTreeNodeStore());
        tree.Append(Digest.Zero);
        Assert.Equal(IntegrityFailure.MalformedProof, Support.Rejects(() => LinearAdvanceProof.Verify(null, 5, 4, Digest.Zero, tree.Root, 1)).Failure);
        Assert.Equal(IntegrityFailure.LinearAdvanceProof, Support.Rejects(() => LinearAdvanceProof.Verify(null, 1, 4, Digest.Zero, tree.Root, 1)).Failure);
        Support.Rejects(() => LinearAdvanceProof.Verify(new LinearAdvanceProof([Digest.Zero, Digest.Zero, Digest.Zero], []), 1, 4, Digest.Zero, tree.Root, 1));
        Support.Rejects(() => LinearAdvanceProof.Verify(new LinearAdvanceProof([Digest.Zero], []), 1, 4, Digest.Zero, tree.Root, 1));
        Assert.False(LinearAdvanceProof.IsNeeded(3, 4));
        Assert.True(LinearAdvanceProof.IsNeeded(2, 4));
        Assert.Throws<ArgumentNullException>(() => new LinearAdvanceProof(null!, []));
        Assert.Throws<ArgumentNullException>(() => new LinearAdvanceProof([], null!));
    }

    [Fact]
    public void Dual_proof_parts_are_required()
    {
        var h = ImmudbVectorTests.ImmudbLedger().GetHeader(1);
        var linear = new LinearProof(1, 1, [h.Alh()]);
        Assert.Throws<ArgumentNullException>(() => new DualProof(null!, h, [], [], Digest.Zero, [], linear));
        Assert.Throws<ArgumentNullException>(() => new DualProof(h, null!, [], [], Digest.Zero, [], linear));
        Assert.Throws<ArgumentNullException>(() => new DualProof(h, h, null!, [], Digest.Zero, [], linear));
        Assert.Throws<ArgumentNullException>(() => new DualProof(h, h, [], null!, Digest.Zero, [], linear));
        Assert.Throws<ArgumentNullException>(() => new DualProof(h, h, [], [], Digest.Zero, null!, linear));
        Assert.Throws<ArgumentNullException>(() => new DualProof(h, h, [], [], Digest.Zero, [], null!));
    }

    [Fact]
    public void Source_and_target_blRoot_must_be_zero_when_nothing_is_linked()
    {
        var ledger = ImmudbVectorTests.ImmudbLedger();
        var h1 = ledger.GetHeader(1);
        var fake = new TxHeader(1, h1.PrevAlh, h1.Timestamp, 0, null, 1, h1.EntriesHash, 0, Digest.OfEmpty);
        var proof = new DualProof(fake, fake, [], [], Digest.Zero, [], new LinearProof(1, 1, [fake.Alh()]));
        Assert.Equal(IntegrityFailure.MalformedProof, Support.Rejects(() => DualProof.Verify(proof, 1, 1, fake.Alh(), fake.Alh())).Failure);
    }

    private static DualProof Swap(DualProof p) =>
        new(p.TargetTxHeader, p.SourceTxHeader, p.InclusionProof, p.ConsistencyProof, p.TargetBlTxAlh, p.LastInclusionProof, p.LinearProof);

    private static DualProof Rebuild(
        DualProof p,
        IReadOnlyList<Digest>? inclusion = null,
        IReadOnlyList<Digest>? consistency = null,
        IReadOnlyList<Digest>? lastInclusion = null,
        LinearAdvanceProof? advance = null) =>
        new(p.SourceTxHeader, p.TargetTxHeader, inclusion ?? p.InclusionProof, consistency ?? p.ConsistencyProof, p.TargetBlTxAlh,
            lastInclusion ?? p.LastInclusionProof, p.LinearProof, advance ?? p.LinearAdvanceProof);

    /// <summary>Serves tx 1's header with tx 2's blTxId, as a corrupt log would.</summary>
    private sealed class SwappedSource(TestLedger ledger) : ITxHeaderSource
    {
        public TxHeader GetHeader(ulong txId)
        {
            var h = ledger.GetHeader(txId);
            return txId == 1 ? new TxHeader(1, h.PrevAlh, h.Timestamp, 0, null, 1, h.EntriesHash, 5, h.BlRoot) : h;
        }
    }
}
