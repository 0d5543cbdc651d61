// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification.Tests;

public sealed class AppendOnlyTreeTests
{
    private const int ReferenceSize = 70;

    private static readonly (AppendOnlyTree Tree, List<byte[]> Leaves, Digest[] Alhs) Reference = BuildReference();

    [Fact]
    public void Roots_match_the_reference_at_every_size()
    {
        var (tree, leaves, _) = Reference;
        Assert.Equal(Digest.Zero, tree.RootAt(0));
        for (int n = 1; n <= ReferenceSize; n++)
        {
            Assert.Equal(ReferenceMerkle.Mth(leaves[..n]), tree.RootAt((ulong)n).ToArray());
        }

        Assert.Equal(tree.RootAt(ReferenceSize), tree.Root);
    }

    [Fact]
    public void Inclusion_and_consistency_proofs_match_the_reference_for_every_pair()
    {
        var (tree, leaves, alhs) = Reference;
        for (int j = 1; j <= ReferenceSize; j++)
        {
            var jRoot = tree.RootAt((ulong)j);
            for (int i = 1; i <= j; i++)
            {
                var inclusion = tree.InclusionProof((ulong)i, (ulong)j);
                Assert.Equal(ReferenceMerkle.Path(i - 1, leaves[..j]), inclusion.Select(t => t.ToArray()));
                AppendOnlyTree.VerifyInclusion(inclusion, (ulong)i, (ulong)j, AppendOnlyTree.LeafFor(alhs[i - 1]), jRoot);

                var consistency = tree.ConsistencyProof((ulong)i, (ulong)j);
                Assert.Equal(ReferenceMerkle.Consistency(i, leaves[..j]), consistency.Select(t => t.ToArray()));
                AppendOnlyTree.VerifyConsistency(consistency, (ulong)i, (ulong)j, tree.RootAt((ulong)i), jRoot);
            }

            var last = tree.LastInclusionProof((ulong)j);
            Assert.Equal(ReferenceMerkle.Path(j - 1, leaves[..j]), last.Select(t => t.ToArray()));
            AppendOnlyTree.VerifyLastInclusion(last, (ulong)j, tree.LeafHash((ulong)j), jRoot);
        }
    }

    [Fact]
    public void Same_size_consistency_accepts_the_empty_proof_and_immudbs_self_proof_only()
    {
        var (tree, _, _) = Reference;
        for (ulong n = 1; n <= ReferenceSize; n++)
        {
            var root = tree.RootAt(n);
            AppendOnlyTree.VerifyConsistency([], n, n, root, root);
            var self = tree.ConsistencyProof(n, n);
            Assert.Equal(n == 1 ? 0 : 2, self.Length);
            AppendOnlyTree.VerifyConsistency(self, n, n, root, root);
            Support.Rejects(() => AppendOnlyTree.VerifyConsistency([], n, n, root, tree.RootAt(n - 1)));
            if (n > 1)
            {
                Support.Rejects(() => AppendOnlyTree.VerifyConsistency([self[0]], n, n, root, root));
                Support.Rejects(() => AppendOnlyTree.VerifyConsistency([self[1], self[0]], n, n, root, root));
            }
            else
            {
                Support.Rejects(() => AppendOnlyTree.VerifyConsistency([root], n, n, root, root));
            }
        }
    }

    [Fact]
    public void Node_positions_follow_the_append_order()
    {
        // Leaf n is written at 2n − popcount(n); a perfect subtree root right after its last leaf and the nodes below.
        Assert.Equal(0, AppendOnlyTree.NodePosition(0, 0));
        Assert.Equal(1, AppendOnlyTree.NodePosition(0, 1));
        Assert.Equal(2, AppendOnlyTree.NodePosition(1, 0));
        Assert.Equal(3, AppendOnlyTree.NodePosition(0, 2));
        Assert.Equal(5, AppendOnlyTree.NodePosition(1, 1));
        Assert.Equal(6, AppendOnlyTree.NodePosition(2, 0));
        Assert.Equal(7, AppendOnlyTree.NodePosition(0, 4));
        for (ulong n = 0; n < 5000; n++)
        {
            long nodes = AppendOnlyTree.NodeCountFor(n);
            Assert.Equal((long)n, AppendOnlyTree.LeafCountFor(nodes));
            if (n > 0 && AppendOnlyTree.NodeCountFor(n) - AppendOnlyTree.NodeCountFor(n - 1) > 1)
            {
                // A count in the middle of an append is no whole tree.
                Assert.Equal(-1, AppendOnlyTree.LeafCountFor(nodes - 1));
            }
        }

        Assert.Equal(-1, AppendOnlyTree.LeafCountFor(-1));
        Assert.Equal(20_000_000 - 8, AppendOnlyTree.NodeCountFor(10_000_000)); // popcount(10^7) = 8
    }

    [Fact]
    public void Reopening_the_store_restores_the_tree()
    {
        var store = new MemoryTreeNodeStore();
        var tree = new AppendOnlyTree(store);
        Assert.Equal(0UL, tree.Size);
        Assert.Equal(Digest.Zero, tree.Root);
        for (int n = 1; n <= 300; n++)
        {
            Assert.Equal((ulong)n, tree.Append(Digest.Compute(BitConverter.GetBytes(n))));
            var reopened = new AppendOnlyTree(store);
            Assert.Equal(tree.Size, reopened.Size);
            Assert.Equal(tree.Root, reopened.Root);
            Assert.Equal(AppendOnlyTree.NodeCountFor((ulong)n), store.Count);
        }

        var again = new AppendOnlyTree(store);
        again.Append(Digest.OfEmpty);
        tree = new AppendOnlyTree(store);
        Assert.Equal(301UL, tree.Size);
        Assert.Equal(again.Root, tree.Root);
    }

    [Fact]
    public void A_torn_store_is_refused()
    {
        var store = new MemoryTreeNodeStore();
        var tree = new AppendOnlyTree(store);
        tree.Append(Digest.OfEmpty);
        store.Append([Digest.OfEmpty]); // a leaf without the node it completes
        var error = Support.Rejects(() => _ = new AppendOnlyTree(store));
        Assert.Equal(IntegrityFailure.DataMismatch, error.Failure);
    }

    [Fact]
    public void Arguments_outside_the_tree_are_refused()
    {
        var (tree, _, _) = Reference;
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.RootAt(ReferenceSize + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.LeafHash(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.LeafHash(ReferenceSize + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.InclusionProof(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.InclusionProof(4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.InclusionProof(1, ReferenceSize + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ConsistencyProof(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ConsistencyProof(4, 3));
        Assert.Throws<ArgumentNullException>(() => new AppendOnlyTree(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryTreeNodeStore().Read(0));

        var root = tree.RootAt(3);
        Assert.Equal(IntegrityFailure.MalformedProof, Support.Rejects(() => AppendOnlyTree.VerifyInclusion([], 0, 3, root, root)).Failure);
        Assert.Equal(IntegrityFailure.MalformedProof, Support.Rejects(() => AppendOnlyTree.VerifyInclusion([], 4, 3, root, root)).Failure);
        Assert.Equal(IntegrityFailure.MalformedProof, Support.Rejects(() => AppendOnlyTree.VerifyLastInclusion([], 0, root, root)).Failure);
        Assert.Equal(IntegrityFailure.MalformedProof, Support.Rejects(() => AppendOnlyTree.VerifyConsistency([], 0, 3, root, root)).Failure);
        Assert.Equal(IntegrityFailure.MalformedProof, Support.Rejects(() => AppendOnlyTree.VerifyConsistency([], 4, 3, root, root)).Failure);
        Assert.Equal(IntegrityFailure.TreeConsistency, Support.Rejects(() => AppendOnlyTree.VerifyConsistency([], 2, 3, tree.RootAt(2), root)).Failure);
        Assert.Equal(IntegrityFailure.TreeInclusion, Support.Rejects(() => AppendOnlyTree.VerifyInclusion([], 1, 3, tree.LeafHash(1), root)).Failure);
        Assert.Equal(IntegrityFailure.TreeLastInclusion, Support.Rejects(() => AppendOnlyTree.VerifyLastInclusion([], 3, tree.LeafHash(3), root)).Failure);
    }

    [Fact]
    public void One_leaf_trees_need_empty_proofs()
    {
        var tree = new AppendOnlyTree(new MemoryTreeNodeStore());
        var alh = Digest.Compute([1, 2, 3]);
        tree.Append(alh);
        Assert.Equal(AppendOnlyTree.LeafFor(alh), tree.Root);
        Assert.Empty(tree.InclusionProof(1, 1));
        Assert.Empty(tree.ConsistencyProof(1, 1));
        AppendOnlyTree.VerifyInclusion([], 1, 1, tree.Root, tree.Root);
        AppendOnlyTree.VerifyLastInclusion([], 1, tree.Root, tree.Root);
        Support.Rejects(() => AppendOnlyTree.VerifyInclusion([tree.Root], 1, 1, tree.Root, tree.Root));
    }

    private static (AppendOnlyTree, List<byte[]>, Digest[]) BuildReference()
    {
        var tree = new AppendOnlyTree(new MemoryTreeNodeStore());
        var leaves = new List<byte[]>();
        var alhs = new Digest[ReferenceSize];
        for (int n = 0; n < ReferenceSize; n++)
        {
            alhs[n] = Digest.Compute(BitConverter.GetBytes(n * 7919));
            leaves.Add(ReferenceMerkle.Leaf(alhs[n].ToArray()));
            tree.Append(alhs[n]);
        }

        return (tree, leaves, alhs);
    }
}
