// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Numerics;

namespace Cairn.Verification;

/// <summary>
/// The tree over the Alhs of all transactions (immudb's AHT, immudb-format §1.6, §2.2–§2.4). Leaf n (1-based) is
/// H(0x00 || Alh(n)); its shape is RFC 6962's. Nodes live in an <see cref="ITreeNodeStore"/>: appending costs
/// O(log n) hashes and writes, and roots and proofs at any size read O(log n) nodes.
/// </summary>
/// <remarks>
/// One thread appends. Roots and proofs for sizes up to <see cref="Size"/> read only the store, so they may run
/// concurrently with the writer when the store allows it. Sizes and indexes are 1-based transaction ids.
/// </remarks>
public sealed class AppendOnlyTree
{
    private readonly ITreeNodeStore _store;

    // Roots of the perfect subtrees that make up the current size, largest (leftmost) first.
    private readonly List<Digest> _peaks = [];
    private readonly List<Digest> _pending = new(64);
    private ulong _size;
    private Digest _root;

    /// <summary>Opens the tree held by <paramref name="store"/>.</summary>
    /// <exception cref="IntegrityException">The store's node count is not that of any whole tree (a torn append).</exception>
    public AppendOnlyTree(ITreeNodeStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        long leaves = LeafCountFor(store.Count);
        if (leaves < 0)
        {
            throw new IntegrityException(
                IntegrityFailure.DataMismatch,
                $"The tree store holds {store.Count} nodes, which is not the node count of any whole tree.");
        }

        _size = (ulong)leaves;
        ulong start = 0;
        for (int height = 63; height >= 0; height--)
        {
            if ((_size >> height & 1) == 1)
            {
                _peaks.Add(_store.Read(NodePosition(height, start >> height)));
                start += 1UL << height;
            }
        }

        _root = MerkleHash.FoldPeaks(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_peaks));
    }

    /// <summary>Number of leaves (transactions linked).</summary>
    public ulong Size => _size;

    /// <summary>The root at the current size; 32 zero bytes while empty (immudb's blRoot convention).</summary>
    public Digest Root => _root;

    /// <summary>The leaf hash of an Alh: H(0x00 || alh).</summary>
    public static Digest LeafFor(in Digest alh) => MerkleHash.Leaf(alh);

    /// <summary>Number of nodes a tree of <paramref name="leaves"/> leaves stores: 2n − popcount(n).</summary>
    public static long NodeCountFor(ulong leaves) => checked((long)(2 * leaves) - BitOperations.PopCount(leaves));

    /// <summary>The leaf count of a store of <paramref name="nodeCount"/> nodes, or −1 when no whole tree has that many.</summary>
    public static long LeafCountFor(long nodeCount)
    {
        if (nodeCount < 0)
        {
            return -1;
        }

        // 2n − popcount(n) = nodeCount, and popcount(n) ≤ 64, so n lies within 33 of nodeCount / 2.
        ulong low = (ulong)nodeCount / 2;
        for (ulong n = low; n <= low + 33; n++)
        {
            if (NodeCountFor(n) == nodeCount)
            {
                return (long)n;
            }
        }

        return -1;
    }

    /// <summary>
    /// Position in the store of the root of the perfect subtree of height <paramref name="height"/> and index
    /// <paramref name="index"/> (covering leaves index·2^h … (index+1)·2^h − 1, 0-based).
    /// </summary>
    public static long NodePosition(int height, ulong index)
    {
        // It is written when its last leaf m is appended, right after that leaf and the `height` nodes below it.
        ulong lastLeaf = ((index + 1) << height) - 1;
        return NodeCountFor(lastLeaf) + height;
    }

    /// <summary>Appends the leaf for <paramref name="alh"/>; returns the new size.</summary>
    public ulong Append(in Digest alh)
    {
        ulong index = _size;
        var node = LeafFor(alh);
        _pending.Clear();
        _pending.Add(node);
        for (int height = 0; (index >> height & 1) == 1; height++)
        {
            node = MerkleHash.Node(_peaks[^1], node);
            _peaks.RemoveAt(_peaks.Count - 1);
            _pending.Add(node);
        }

        _store.Append(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending));
        _peaks.Add(node);
        _size = index + 1;
        _root = MerkleHash.FoldPeaks(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_peaks));
        return _size;
    }

    /// <summary>The root over the first <paramref name="size"/> leaves; 32 zero bytes for size 0.</summary>
    public Digest RootAt(ulong size)
    {
        EnsureWithin(size);
        return size == 0 ? Digest.Zero : SubtreeHash(0, size);
    }

    /// <summary>The stored leaf hash of transaction <paramref name="txId"/> (1-based).</summary>
    public Digest LeafHash(ulong txId)
    {
        if (txId == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(txId), "Leaves are numbered from 1.");
        }

        EnsureWithin(txId);
        return _store.Read(NodePosition(0, txId - 1));
    }

    /// <summary>Proof that leaf <paramref name="i"/> is in the tree of size <paramref name="j"/> (1 ≤ i ≤ j ≤ Size).</summary>
    public Digest[] InclusionProof(ulong i, ulong j)
    {
        if (i == 0 || i > j)
        {
            throw new ArgumentOutOfRangeException(nameof(i), $"Inclusion needs 1 ≤ i ≤ j, got i={i}, j={j}.");
        }

        EnsureWithin(j);
        var terms = new List<Digest>(64);
        AuditPathOf(i - 1, 0, j, terms);
        return [.. terms];
    }

    /// <summary>Proof that the last leaf is in the tree of size <paramref name="j"/>.</summary>
    public Digest[] LastInclusionProof(ulong j) => InclusionProof(j, j);

    /// <summary>Proof that the tree of size <paramref name="i"/> is a prefix of the tree of size <paramref name="j"/> (immudb's variant).</summary>
    public Digest[] ConsistencyProof(ulong i, ulong j)
    {
        if (i == 0 || i > j)
        {
            throw new ArgumentOutOfRangeException(nameof(i), $"Consistency needs 1 ≤ i ≤ j, got i={i}, j={j}.");
        }

        EnsureWithin(j);
        var terms = new List<Digest>(64);
        if (j > 1)
        {
            Split(i, 0, j, terms);
        }

        return [.. terms];
    }

    /// <summary>Checks that <paramref name="leafHash"/> is leaf <paramref name="i"/> of the tree of size <paramref name="j"/> with <paramref name="root"/>.</summary>
    /// <exception cref="IntegrityException">It is not.</exception>
    public static void VerifyInclusion(ReadOnlySpan<Digest> proof, ulong i, ulong j, in Digest leafHash, in Digest root)
    {
        if (i == 0 || i > j)
        {
            IntegrityException.Throw(IntegrityFailure.MalformedProof, $"Tree inclusion of leaf {i} in a tree of size {j} is impossible.");
        }

        if (!IsIncluded(proof, i, j, leafHash, root))
        {
            IntegrityException.Throw(IntegrityFailure.TreeInclusion, $"Transaction {i} is not included in the tree of size {j} with root {root}.");
        }
    }

    /// <summary>Checks that <paramref name="leafHash"/> is the last leaf of the tree of size <paramref name="j"/> with <paramref name="root"/>.</summary>
    /// <exception cref="IntegrityException">It is not.</exception>
    public static void VerifyLastInclusion(ReadOnlySpan<Digest> proof, ulong j, in Digest leafHash, in Digest root)
    {
        if (j == 0)
        {
            IntegrityException.Throw(IntegrityFailure.MalformedProof, "An empty tree has no last leaf.");
        }

        if (!IsIncluded(proof, j, j, leafHash, root))
        {
            IntegrityException.Throw(IntegrityFailure.TreeLastInclusion, $"Transaction {j} is not the last leaf of the tree of size {j} with root {root}.");
        }
    }

    /// <summary>Checks that the tree of size <paramref name="i"/> with <paramref name="iRoot"/> is a prefix of the tree of size <paramref name="j"/> with <paramref name="jRoot"/>.</summary>
    /// <exception cref="IntegrityException">It is not: history was rewritten, or the proof is wrong.</exception>
    public static void VerifyConsistency(ReadOnlySpan<Digest> proof, ulong i, ulong j, in Digest iRoot, in Digest jRoot)
    {
        if (i == 0 || i > j)
        {
            IntegrityException.Throw(IntegrityFailure.MalformedProof, $"Consistency from size {i} to size {j} is impossible.");
        }

        if (!IsConsistent(proof, i, j, iRoot, jRoot))
        {
            IntegrityException.Throw(
                IntegrityFailure.TreeConsistency,
                $"The tree of size {i} with root {iRoot} is not a prefix of the tree of size {j} with root {jRoot}.");
        }
    }

    /// <summary>The check behind <see cref="VerifyInclusion"/> and <see cref="VerifyLastInclusion"/>, without the exception.</summary>
    internal static bool IsIncluded(ReadOnlySpan<Digest> proof, ulong i, ulong j, in Digest leafHash, in Digest root) =>
        i != 0 && i <= j && AuditPath.TryComputeRoot(i - 1, j, leafHash, proof, out var computed) && computed == root;

    /// <summary>The check behind <see cref="VerifyConsistency"/>, without the exception.</summary>
    internal static bool IsConsistent(ReadOnlySpan<Digest> proof, ulong i, ulong j, in Digest iRoot, in Digest jRoot) =>
        i != 0 && i <= j && (i == j ? SameSizeConsistent(proof, i, iRoot, jRoot) : PrefixConsistent(proof, i, j, iRoot, jRoot));

    // RFC 9162 §2.1.4.2 for i < j. immudb always includes the old root, which is RFC's "prepend first_hash" step.
    private static bool PrefixConsistent(ReadOnlySpan<Digest> proof, ulong i, ulong j, in Digest iRoot, in Digest jRoot)
    {
        if (proof.IsEmpty)
        {
            return false;
        }

        ulong fn = i - 1;
        ulong sn = j - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = proof[0];
        var sr = proof[0];
        foreach (ref readonly var c in proof[1..])
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = MerkleHash.Node(c, fr);
                sr = MerkleHash.Node(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = MerkleHash.Node(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr == iRoot && sr == jRoot;
    }

    // i == j: the roots must be equal. The proof is empty (RFC 6962) or immudb's self proof CONS(n, n) =
    // [MTH(right part), MTH(left part)] for n > 1, which must rebuild that root.
    private static bool SameSizeConsistent(ReadOnlySpan<Digest> proof, ulong size, in Digest iRoot, in Digest jRoot)
    {
        if (iRoot != jRoot)
        {
            return false;
        }

        if (proof.IsEmpty)
        {
            return true;
        }

        return size > 1 && proof.Length == 2 && MerkleHash.Node(proof[1], proof[0]) == iRoot;
    }

    // MTH of leaves [lo, hi): ranges produced by the RFC recursion are always aligned, so a power-of-two range is one stored node.
    private Digest SubtreeHash(ulong lo, ulong hi)
    {
        ulong width = hi - lo;
        if (BitOperations.IsPow2(width))
        {
            int height = BitOperations.Log2(width);
            return _store.Read(NodePosition(height, lo >> height));
        }

        ulong k = LargestPowerOfTwoBelow(width);
        return MerkleHash.Node(SubtreeHash(lo, lo + k), SubtreeHash(lo + k, hi));
    }

    private void AuditPathOf(ulong m, ulong lo, ulong hi, List<Digest> terms)
    {
        if (hi - lo <= 1)
        {
            return;
        }

        ulong k = LargestPowerOfTwoBelow(hi - lo);
        if (m < k)
        {
            AuditPathOf(m, lo, lo + k, terms);
            terms.Add(SubtreeHash(lo + k, hi));
        }
        else
        {
            AuditPathOf(m - k, lo + k, hi, terms);
            terms.Add(SubtreeHash(lo, lo + k));
        }
    }

    private void Split(ulong m, ulong lo, ulong hi, List<Digest> terms)
    {
        ulong k = LargestPowerOfTwoBelow(hi - lo);
        if (m <= k)
        {
            Sub(m, lo, lo + k, terms);
            terms.Add(SubtreeHash(lo + k, hi));
        }
        else
        {
            Sub(m - k, lo + k, hi, terms);
            terms.Add(SubtreeHash(lo, lo + k));
        }
    }

    private void Sub(ulong m, ulong lo, ulong hi, List<Digest> terms)
    {
        if (m == hi - lo)
        {
            terms.Add(SubtreeHash(lo, hi));
            return;
        }

        Split(m, lo, hi, terms);
    }

    private static ulong LargestPowerOfTwoBelow(ulong n) => 1UL << BitOperations.Log2(n - 1);

    private void EnsureWithin(ulong size)
    {
        if (size > _size)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"The tree has {_size} leaves; size {size} is beyond it.");
        }
    }
}
