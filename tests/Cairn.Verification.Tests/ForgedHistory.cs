// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification.Tests;

/// <summary>
/// The history a CVE-2022-36111 server serves, built once for the Verification tests and for the client's lying
/// server (which links this file). The honest log: txs 3…6 link only up to tx 2, so a client that trusts tx 6
/// covers txs 3…5 by its Alh chain alone. The malicious server grows a tree whose leaves 3…5 are forged but keeps
/// leaf 6 = the trusted Alh, commits txs 7…10 over it, and proves 6 → 10 with a dual proof whose tree parts and
/// linear part each check out, yet disagree about txs 3…5.
/// </summary>
internal sealed class ForgedHistory
{
    private ForgedHistory(TestLedger honest, ForgedLedger forged)
    {
        Honest = honest;
        Forged = forged;
    }

    /// <summary>The honest log up to the trusted tx 6.</summary>
    public TestLedger Honest { get; }

    /// <summary>The forged log: the honest headers 1…6, a tree with forged leaves 3…5, then txs 7…10.</summary>
    public ForgedLedger Forged { get; }

    /// <summary>The tx the client trusts.</summary>
    public TxHeader Trusted => Honest.GetHeader(6);

    /// <summary>The forged tx 10.</summary>
    public TxHeader Target => Forged.GetHeader(10);

    /// <summary>The attacker's dual proof from tx 6 to the forged tx 10.</summary>
    public DualProof Attack => ProofBuilder.Dual(Forged, Forged.Tree, 6, 10);

    public static ForgedHistory Build()
    {
        var honest = new TestLedger();
        for (int n = 1; n <= 6; n++)
        {
            honest.Commit([Support.PlainEntry($"k{n}", $"v{n}")], 1_600_000_000 + n, blTxId: n <= 3 ? (ulong)(n - 1) : 2);
        }

        var forged = new ForgedLedger(honest, fakeLeaves: [3, 4, 5]);
        for (int n = 7; n <= 10; n++)
        {
            forged.Commit(1_600_000_000 + n);
        }

        return new ForgedHistory(honest, forged);
    }

    /// <summary>Asserts that every check a pre-1.4.1 client made passes on <see cref="Attack"/>.</summary>
    public void PassesPre141Checks()
    {
        var attack = Attack;
        var target = Target;
        AppendOnlyTree.VerifyInclusion(attack.InclusionProof.ToArray(), 6, target.BlTxId, AppendOnlyTree.LeafFor(Trusted.Alh()), target.BlRoot);
        AppendOnlyTree.VerifyConsistency(attack.ConsistencyProof.ToArray(), Trusted.BlTxId, target.BlTxId, Trusted.BlRoot, target.BlRoot);
        AppendOnlyTree.VerifyLastInclusion(attack.LastInclusionProof.ToArray(), target.BlTxId, AppendOnlyTree.LeafFor(attack.TargetBlTxAlh), target.BlRoot);
        LinearProof.Verify(attack.LinearProof, target.BlTxId, 10, attack.TargetBlTxAlh, target.Alh());
    }

    /// <summary>The honest log continued to tx 10 the way an honest server would (the control: its proofs verify).</summary>
    public TestLedger ContinueHonestly()
    {
        for (int n = 7; n <= 10; n++)
        {
            Honest.Commit([Support.PlainEntry($"k{n}", $"v{n}")], 1_600_000_000 + n);
        }

        return Honest;
    }

    /// <summary>The honest headers, with a tree whose leaves at <c>fakeLeaves</c> are replaced by forged Alhs.</summary>
    internal sealed class ForgedLedger : ITxHeaderSource
    {
        private readonly List<TxHeader> _headers = [];
        private readonly List<IReadOnlyList<TxEntry>> _entries = [];

        public ForgedLedger(TestLedger honest, int[] fakeLeaves)
        {
            for (ulong id = 1; id <= honest.LastTxId; id++)
            {
                var header = honest.GetHeader(id);
                _headers.Add(header);
                _entries.Add(honest.GetEntries(id));
                Tree.Append(fakeLeaves.Contains((int)id) ? Digest.Compute(Support.Ascii($"forged tx {id}")) : header.Alh());
            }
        }

        public AppendOnlyTree Tree { get; } = new(new MemoryTreeNodeStore());

        public TxHeader GetHeader(ulong txId) => _headers[(int)txId - 1];

        public IReadOnlyList<TxEntry> GetEntries(ulong txId) => _entries[(int)txId - 1];

        public void Commit(long timestamp)
        {
            ulong id = (ulong)_headers.Count + 1;
            var entries = new[] { Support.PlainEntry($"k{id}", "v") };
            var header = new TxHeader(id, _headers[^1].Alh(), timestamp, TxHeader.Version0, null, 1,
                TxMerkleTree.ForEntries(entries, 0).Root, id - 1, Tree.RootAt(id - 1));
            _headers.Add(header);
            _entries.Add(entries);
            Tree.Append(header.Alh());
        }
    }
}
