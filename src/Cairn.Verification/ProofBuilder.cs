// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification;

/// <summary>Builds the linear and dual proofs a server sends (immudb-format §2.5, §2.6).</summary>
public static class ProofBuilder
{
    /// <summary>The Alh chain from tx <paramref name="sourceTxId"/> to tx <paramref name="targetTxId"/>.</summary>
    public static LinearProof Linear(ITxHeaderSource headers, ulong sourceTxId, ulong targetTxId)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (sourceTxId == 0 || sourceTxId > targetTxId)
        {
            throw new ArgumentOutOfRangeException(nameof(sourceTxId), $"A linear proof needs 1 ≤ source ≤ target, got {sourceTxId} → {targetTxId}.");
        }

        var terms = new Digest[targetTxId - sourceTxId + 1];
        terms[0] = headers.GetHeader(sourceTxId).Alh();
        for (ulong k = 1; k < (ulong)terms.Length; k++)
        {
            terms[k] = headers.GetHeader(sourceTxId + k).InnerHash();
        }

        return new LinearProof(sourceTxId, targetTxId, terms);
    }

    /// <summary>
    /// The dual proof from tx <paramref name="sourceTxId"/> to tx <paramref name="targetTxId"/>, with the tree read
    /// from <paramref name="tree"/> (which must cover the target's blTxId).
    /// </summary>
    public static DualProof Dual(ITxHeaderSource headers, AppendOnlyTree tree, ulong sourceTxId, ulong targetTxId)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(tree);
        if (sourceTxId == 0 || sourceTxId > targetTxId)
        {
            throw new ArgumentOutOfRangeException(nameof(sourceTxId), $"A dual proof needs 1 ≤ source ≤ target, got {sourceTxId} → {targetTxId}.");
        }

        var source = headers.GetHeader(sourceTxId);
        var target = headers.GetHeader(targetTxId);
        if (source.BlTxId > target.BlTxId)
        {
            throw new ArgumentException($"Tx {sourceTxId} links more txs than tx {targetTxId}; the log is not well-formed.", nameof(sourceTxId));
        }

        bool sourceInTargetTree = sourceTxId < target.BlTxId;
        Digest[] inclusion = sourceInTargetTree ? tree.InclusionProof(sourceTxId, target.BlTxId) : [];
        Digest[] consistency = source.BlTxId > 0 ? tree.ConsistencyProof(source.BlTxId, target.BlTxId) : [];
        Digest targetBlTxAlh = Digest.Zero;
        Digest[] lastInclusion = [];
        if (target.BlTxId > 0)
        {
            targetBlTxAlh = headers.GetHeader(target.BlTxId).Alh();
            lastInclusion = tree.LastInclusionProof(target.BlTxId);
        }

        var linear = Linear(headers, Math.Max(sourceTxId, target.BlTxId), targetTxId);
        var advance = sourceInTargetTree
            ? LinearAdvance(headers, tree, source.BlTxId, sourceTxId, target.BlTxId)
            : LinearAdvance(headers, tree, source.BlTxId, target.BlTxId, target.BlTxId);
        return new DualProof(source, target, inclusion, consistency, targetBlTxAlh, lastInclusion, linear, advance);
    }

    /// <summary>The linear advance proof for txs <paramref name="startTxId"/>+1 … <paramref name="endTxId"/>−1, or null when there are none.</summary>
    public static LinearAdvanceProof? LinearAdvance(ITxHeaderSource headers, AppendOnlyTree tree, ulong startTxId, ulong endTxId, ulong treeSize)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(tree);
        if (!LinearAdvanceProof.IsNeeded(startTxId, endTxId))
        {
            return null;
        }

        var terms = new Digest[endTxId - startTxId];
        terms[0] = headers.GetHeader(startTxId + 1).Alh();
        for (ulong k = 1; k < (ulong)terms.Length; k++)
        {
            terms[k] = headers.GetHeader(startTxId + 1 + k).InnerHash();
        }

        var inclusions = new IReadOnlyList<Digest>[terms.Length - 1];
        for (int k = 0; k < inclusions.Length; k++)
        {
            inclusions[k] = tree.InclusionProof(startTxId + 1 + (ulong)k, treeSize);
        }

        return new LinearAdvanceProof(terms, inclusions);
    }
}
