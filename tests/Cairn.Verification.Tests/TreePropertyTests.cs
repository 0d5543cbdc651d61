// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using FsCheck.Fluent;

namespace Cairn.Verification.Tests;

/// <summary>
/// Properties of the trees for random sizes 1…10,000 and random pairs of sizes: proofs verify, and flipping any
/// single bit of any proof element, root, leaf or index makes verification fail.
/// </summary>
/// <remarks>
/// Sizes: a Merkle proof in immudb's format carries no size, so the verifier sees a claimed size only through the
/// shape of the path it implies (RFC 9162 checks that shape exactly). A flipped size that leaves the shape unchanged
/// cannot be told apart by any verifier of this format; such a claim names a root that no tree of that size has.
/// The tests assert exactly that, and sizes are authenticated where they are hashed: blTxId in every header's Alh
/// (every size bit of a dual proof is rejected, see <see cref="DualProofPropertyTests"/>) and nentries in the inner
/// hash (<see cref="TxMerkleTree.VerifyInclusion(EntryInclusionProof, in Digest, TxHeader)"/>).
/// </remarks>
public sealed class TreePropertyTests
{
    private const int MaxSize = 10_000;

    // Flipped sizes stay below the next power of two, or the path shape (and verification) changes for sure.
    private const int TreeSize = 16_384;
    private const int Cases = 150;

    // One tree of 10,000 leaves serves every size: RootAt and the proofs work at any size up to it.
    private static readonly AppendOnlyTree Tree = BuildTree();

    private static readonly FsCheck.Gen<(ulong I, ulong J)> Pairs =
        from j in Gen.Choose(1, MaxSize)
        from i in Gen.Choose(1, j)
        select ((ulong)i, (ulong)j);

    [Fact]
    public void Inclusion_proofs_verify_and_every_single_bit_flip_is_rejected()
    {
        Support.ForAll(Pairs, pair =>
        {
            var (i, j) = pair;
            var proof = Tree.InclusionProof(i, j);
            var leaf = Tree.LeafHash(i);
            var root = Tree.RootAt(j);
            AppendOnlyTree.VerifyInclusion(proof, i, j, leaf, root);

            for (int t = 0; t < proof.Length; t++)
            {
                var original = proof[t];
                for (int bit = 0; bit < 256; bit++)
                {
                    proof[t] = Support.FlipBit(original, bit);
                    Assert.False(AppendOnlyTree.IsIncluded(proof, i, j, leaf, root), $"term {t} bit {bit} of ({i},{j})");
                }

                proof[t] = original;
            }

            for (int bit = 0; bit < 256; bit++)
            {
                Assert.False(AppendOnlyTree.IsIncluded(proof, i, j, Support.FlipBit(leaf, bit), root));
                Assert.False(AppendOnlyTree.IsIncluded(proof, i, j, leaf, Support.FlipBit(root, bit)));
            }

            for (int bit = 0; bit < 64; bit++)
            {
                Assert.False(AppendOnlyTree.IsIncluded(proof, i ^ (1UL << bit), j, leaf, root), $"index bit {bit} of ({i},{j})");
                ulong flipped = j ^ (1UL << bit);
                if (AppendOnlyTree.IsIncluded(proof, i, flipped, leaf, root))
                {
                    AssertNoTreeOfSizeHasRoot(flipped, root);
                }
            }

            // Through the public API a flip surfaces as the integrity exception.
            if (proof.Length > 0)
            {
                proof[0] = Support.FlipBit(proof[0], 0);
                Assert.Equal(IntegrityFailure.TreeInclusion, Support.Rejects(() => AppendOnlyTree.VerifyInclusion(proof, i, j, leaf, root)).Failure);
            }
        }, Cases);
    }

    [Fact]
    public void Consistency_proofs_verify_and_every_single_bit_flip_is_rejected()
    {
        Support.ForAll(Pairs, pair =>
        {
            var (i, j) = pair;
            var proof = Tree.ConsistencyProof(i, j);
            var iRoot = Tree.RootAt(i);
            var jRoot = Tree.RootAt(j);
            AppendOnlyTree.VerifyConsistency(proof, i, j, iRoot, jRoot);

            for (int t = 0; t < proof.Length; t++)
            {
                var original = proof[t];
                for (int bit = 0; bit < 256; bit++)
                {
                    proof[t] = Support.FlipBit(original, bit);
                    Assert.False(AppendOnlyTree.IsConsistent(proof, i, j, iRoot, jRoot), $"term {t} bit {bit} of ({i},{j})");
                }

                proof[t] = original;
            }

            for (int bit = 0; bit < 256; bit++)
            {
                Assert.False(AppendOnlyTree.IsConsistent(proof, i, j, Support.FlipBit(iRoot, bit), jRoot));
                Assert.False(AppendOnlyTree.IsConsistent(proof, i, j, iRoot, Support.FlipBit(jRoot, bit)));
            }

            for (int bit = 0; bit < 64; bit++)
            {
                ulong oldSize = i ^ (1UL << bit);
                if (AppendOnlyTree.IsConsistent(proof, oldSize, j, iRoot, jRoot))
                {
                    AssertNoTreeOfSizeHasRoot(oldSize, iRoot);
                }

                ulong newSize = j ^ (1UL << bit);
                if (AppendOnlyTree.IsConsistent(proof, i, newSize, iRoot, jRoot))
                {
                    AssertNoTreeOfSizeHasRoot(newSize, jRoot);
                }
            }

            // Dropping or adding a term is rejected too.
            if (proof.Length > 0)
            {
                Assert.False(AppendOnlyTree.IsConsistent(proof.AsSpan(0, proof.Length - 1), i, j, iRoot, jRoot));
            }

            Assert.False(AppendOnlyTree.IsConsistent([.. proof, jRoot], i, j, iRoot, jRoot));
        }, Cases);
    }

    [Fact]
    public void Last_inclusion_proofs_verify_and_flips_are_rejected()
    {
        Support.ForAll(Gen.Choose(1, MaxSize), size =>
        {
            ulong j = (ulong)size;
            var proof = Tree.LastInclusionProof(j);
            var leaf = Tree.LeafHash(j);
            var root = Tree.RootAt(j);
            AppendOnlyTree.VerifyLastInclusion(proof, j, leaf, root);
            for (int t = 0; t < proof.Length; t++)
            {
                var original = proof[t];
                for (int bit = 0; bit < 256; bit += 7)
                {
                    proof[t] = Support.FlipBit(original, bit);
                    Assert.False(AppendOnlyTree.IsIncluded(proof, j, j, leaf, root));
                }

                proof[t] = original;
            }

            Assert.False(AppendOnlyTree.IsIncluded(proof, j, j, Support.FlipBit(leaf, 3), root));
            Assert.False(AppendOnlyTree.IsIncluded(proof, j, j, leaf, Support.FlipBit(root, 200)));
        }, Cases);
    }

    [Fact]
    public void Entry_tree_proofs_verify_for_every_leaf_and_flips_are_rejected()
    {
        var widths = Gen.Choose(1, 1024);
        Support.ForAll(widths, width =>
        {
            var digests = Enumerable.Range(0, width).Select(n => Digest.Compute(BitConverter.GetBytes(n ^ width))).ToArray();
            var tree = new TxMerkleTree(digests);
            Assert.Equal(tree.Root, TxMerkleTree.ComputeRoot(digests));
            var random = new Random(width);
            for (int leaf = 0; leaf < width; leaf++)
            {
                var proof = tree.ProveInclusion(leaf);
                TxMerkleTree.VerifyInclusion(proof, digests[leaf], tree.Root);
                if (leaf % 17 != 0 && leaf != width - 1)
                {
                    continue;
                }

                var terms = proof.Terms.ToArray();
                for (int t = 0; t < terms.Length; t++)
                {
                    var flipped = terms.ToArray();
                    flipped[t] = Support.FlipBit(terms[t], random.Next(256));
                    Assert.False(TxMerkleTree.IsIncluded(new EntryInclusionProof(leaf, width, flipped), digests[leaf], tree.Root));
                }

                var header = new TxHeader(7, Digest.OfEmpty, 1, TxHeader.Version0, null, width, tree.Root, 6, Digest.Compute([6]));
                TxMerkleTree.VerifyInclusion(proof, digests[leaf], header);
                for (int bit = 0; bit < 31; bit++)
                {
                    Assert.False(TxMerkleTree.IsIncluded(new EntryInclusionProof(leaf ^ (1 << bit), width, terms), digests[leaf], tree.Root), $"leaf bit {bit}");
                    var flippedWidth = new EntryInclusionProof(leaf, width ^ (1 << bit), terms);
                    Support.Rejects(() => TxMerkleTree.VerifyInclusion(flippedWidth, digests[leaf], header));
                }

                Assert.False(TxMerkleTree.IsIncluded(proof, Support.FlipBit(digests[leaf], random.Next(256)), tree.Root));
                Assert.False(TxMerkleTree.IsIncluded(proof, digests[leaf], Support.FlipBit(tree.Root, random.Next(256))));
            }
        }, 60);
    }

    // An accepted size flip must name a root that the real tree of that size does not have.
    private static void AssertNoTreeOfSizeHasRoot(ulong size, in Digest claimedRoot)
    {
        Assert.InRange(size, 1UL, (ulong)TreeSize);
        Assert.NotEqual(Tree.RootAt(size), claimedRoot);
    }

    private static AppendOnlyTree BuildTree()
    {
        var tree = new AppendOnlyTree(new MemoryTreeNodeStore());
        for (int n = 1; n <= TreeSize; n++)
        {
            tree.Append(Digest.Compute(BitConverter.GetBytes(n)));
        }

        return tree;
    }
}
