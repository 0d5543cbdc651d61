// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers;

namespace Cairn.Verification;

/// <summary>
/// The Merkle tree over the entries of one transaction (immudb's HTree, immudb-format §1.3): leaves
/// H(0x00 || entry digest), inner nodes H(0x01 || l || r), built level by level with an odd last node
/// promoted unchanged. Its root is the header's eH.
/// </summary>
public sealed class TxMerkleTree
{
    // _levels[0] holds the leaf hashes, the last level holds only the root.
    private readonly Digest[][] _levels;

    /// <summary>Builds the tree over <paramref name="entryDigests"/> in transaction order.</summary>
    /// <exception cref="ArgumentException">No entries: a transaction always has at least one.</exception>
    public TxMerkleTree(ReadOnlySpan<Digest> entryDigests)
    {
        if (entryDigests.IsEmpty)
        {
            throw new ArgumentException("A transaction has at least one entry.", nameof(entryDigests));
        }

        var levels = new List<Digest[]>();
        var level = new Digest[entryDigests.Length];
        for (int i = 0; i < level.Length; i++)
        {
            level[i] = MerkleHash.Leaf(entryDigests[i]);
        }

        levels.Add(level);
        while (level.Length > 1)
        {
            var next = new Digest[(level.Length + 1) / 2];
            for (int i = 0; i < next.Length; i++)
            {
                int left = 2 * i;
                next[i] = left + 1 < level.Length ? MerkleHash.Node(level[left], level[left + 1]) : level[left];
            }

            levels.Add(next);
            level = next;
        }

        _levels = [.. levels];
    }

    /// <summary>Builds the tree over the digests of <paramref name="entries"/> under <paramref name="headerVersion"/>.</summary>
    public static TxMerkleTree ForEntries(IReadOnlyList<TxEntry> entries, int headerVersion)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var digests = new Digest[entries.Count];
        for (int i = 0; i < digests.Length; i++)
        {
            digests[i] = entries[i].DigestFor(headerVersion);
        }

        return new TxMerkleTree(digests);
    }

    /// <summary>Number of entries.</summary>
    public int Width => _levels[0].Length;

    /// <summary>The root (eH).</summary>
    public Digest Root => _levels[^1][0];

    /// <summary>The root over <paramref name="entryDigests"/> without keeping the tree; reuses one pooled buffer.</summary>
    /// <exception cref="ArgumentException">No entries.</exception>
    public static Digest ComputeRoot(ReadOnlySpan<Digest> entryDigests)
    {
        if (entryDigests.IsEmpty)
        {
            throw new ArgumentException("A transaction has at least one entry.", nameof(entryDigests));
        }

        if (entryDigests.Length == 1)
        {
            return MerkleHash.Leaf(entryDigests[0]);
        }

        var nodes = ArrayPool<Digest>.Shared.Rent(entryDigests.Length);
        try
        {
            int count = entryDigests.Length;
            for (int i = 0; i < count; i++)
            {
                nodes[i] = MerkleHash.Leaf(entryDigests[i]);
            }

            while (count > 1)
            {
                int next = 0;
                for (int i = 0; i + 1 < count; i += 2)
                {
                    nodes[next++] = MerkleHash.Node(nodes[i], nodes[i + 1]);
                }

                if ((count & 1) == 1)
                {
                    nodes[next++] = nodes[count - 1];
                }

                count = next;
            }

            return nodes[0];
        }
        finally
        {
            ArrayPool<Digest>.Shared.Return(nodes);
        }
    }

    /// <summary>The inclusion proof of entry <paramref name="index"/>, terms bottom-up.</summary>
    public EntryInclusionProof ProveInclusion(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Width);
        var terms = new List<Digest>();
        int position = index;
        for (int depth = 0; depth < _levels.Length - 1; depth++)
        {
            var level = _levels[depth];
            int sibling = position ^ 1;
            if (sibling < level.Length)
            {
                terms.Add(level[sibling]);
            }

            position >>= 1;
        }

        return new EntryInclusionProof(index, Width, terms);
    }

    /// <summary>Checks that an entry with <paramref name="entryDigest"/> is at the proof's position under <paramref name="root"/>.</summary>
    /// <exception cref="IntegrityException">The proof does not lead from the entry to the root.</exception>
    public static void VerifyInclusion(EntryInclusionProof proof, in Digest entryDigest, in Digest root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (proof.Leaf < 0 || proof.Width <= 0 || proof.Leaf >= proof.Width)
        {
            IntegrityException.Throw(
                IntegrityFailure.MalformedProof,
                $"Entry inclusion proof names leaf {proof.Leaf} of a transaction of {proof.Width} entries.");
        }

        if (!IsIncluded(proof, entryDigest, root))
        {
            IntegrityException.Throw(
                IntegrityFailure.EntryInclusion,
                $"Entry {proof.Leaf} of {proof.Width} is not included in the transaction with entries hash {root}.");
        }
    }

    /// <summary>
    /// Checks that an entry with <paramref name="entryDigest"/> is in the transaction of <paramref name="header"/>:
    /// the proof's width must be the header's entry count and its root the header's eH. Prefer this overload: a bare
    /// Merkle proof does not authenticate the width it claims, the hashed header does.
    /// </summary>
    /// <exception cref="IntegrityException">The proof does not fit the header or does not lead to its eH.</exception>
    public static void VerifyInclusion(EntryInclusionProof proof, in Digest entryDigest, TxHeader header)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(header);
        if (proof.Width != header.EntryCount)
        {
            IntegrityException.Throw(
                IntegrityFailure.MalformedProof,
                $"Entry inclusion proof is for a transaction of {proof.Width} entries, but tx {header.Id} has {header.EntryCount}.");
        }

        VerifyInclusion(proof, entryDigest, header.EntriesHash);
    }

    /// <summary>The check behind <see cref="VerifyInclusion(EntryInclusionProof, in Digest, in Digest)"/>, without the exception.</summary>
    internal static bool IsIncluded(EntryInclusionProof proof, in Digest entryDigest, in Digest root)
    {
        var terms = proof.Terms as Digest[] ?? [.. proof.Terms];
        return proof.Leaf >= 0
            && proof.Leaf < proof.Width
            && AuditPath.TryComputeRoot((ulong)proof.Leaf, (ulong)proof.Width, MerkleHash.Leaf(entryDigest), terms, out var computed)
            && computed == root;
    }
}
