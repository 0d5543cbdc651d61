// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification;

/// <summary>
/// Proof that a later transaction (target) extends an earlier one (source) (immudb-format §2.6): the source is in
/// the target's tree, the source's tree is a prefix of the target's, the target's last linked tx is the last leaf
/// of its tree, and the Alh chain leads from the last linked point to the target.
/// </summary>
public sealed class DualProof
{
    /// <summary>Creates a proof.</summary>
    public DualProof(
        TxHeader sourceTxHeader,
        TxHeader targetTxHeader,
        IReadOnlyList<Digest> inclusionProof,
        IReadOnlyList<Digest> consistencyProof,
        Digest targetBlTxAlh,
        IReadOnlyList<Digest> lastInclusionProof,
        LinearProof linearProof,
        LinearAdvanceProof? linearAdvanceProof = null)
    {
        ArgumentNullException.ThrowIfNull(sourceTxHeader);
        ArgumentNullException.ThrowIfNull(targetTxHeader);
        ArgumentNullException.ThrowIfNull(inclusionProof);
        ArgumentNullException.ThrowIfNull(consistencyProof);
        ArgumentNullException.ThrowIfNull(lastInclusionProof);
        ArgumentNullException.ThrowIfNull(linearProof);
        SourceTxHeader = sourceTxHeader;
        TargetTxHeader = targetTxHeader;
        InclusionProof = inclusionProof;
        ConsistencyProof = consistencyProof;
        TargetBlTxAlh = targetBlTxAlh;
        LastInclusionProof = lastInclusionProof;
        LinearProof = linearProof;
        LinearAdvanceProof = linearAdvanceProof;
    }

    /// <summary>Header of the earlier tx.</summary>
    public TxHeader SourceTxHeader { get; }

    /// <summary>Header of the later tx.</summary>
    public TxHeader TargetTxHeader { get; }

    /// <summary>The source's leaf in the target's tree (empty unless source id &lt; target blTxId).</summary>
    public IReadOnlyList<Digest> InclusionProof { get; }

    /// <summary>The source's tree as a prefix of the target's (empty when the source's blTxId is 0).</summary>
    public IReadOnlyList<Digest> ConsistencyProof { get; }

    /// <summary>Alh of tx target.blTxId; 32 zero bytes when it is 0.</summary>
    public Digest TargetBlTxAlh { get; }

    /// <summary>Tx target.blTxId as the last leaf of the target's tree (empty when target blTxId is 0).</summary>
    public IReadOnlyList<Digest> LastInclusionProof { get; }

    /// <summary>The Alh chain from max(source id, target blTxId) to the target.</summary>
    public LinearProof LinearProof { get; }

    /// <summary>Binds txs stepped over by the chain to the tree (CVE-2022-36111); null when none are.</summary>
    public LinearAdvanceProof? LinearAdvanceProof { get; }

    /// <summary>
    /// Checks that tx (<paramref name="targetTxId"/>, <paramref name="targetAlh"/>) extends tx
    /// (<paramref name="sourceTxId"/>, <paramref name="sourceAlh"/>). Parts the proof does not need must be empty,
    /// so no byte of a proof can change without the check failing.
    /// </summary>
    /// <exception cref="IntegrityException">The proof does not hold.</exception>
    public static void Verify(DualProof? proof, ulong sourceTxId, ulong targetTxId, in Digest sourceAlh, in Digest targetAlh)
    {
        if (proof is null)
        {
            IntegrityException.Throw(IntegrityFailure.MalformedProof, "No dual proof was given.");
        }

        var source = proof.SourceTxHeader;
        var target = proof.TargetTxHeader;
        if (source.Id != sourceTxId || target.Id != targetTxId)
        {
            IntegrityException.Throw(
                IntegrityFailure.HeaderMismatch,
                $"Dual proof is for tx {source.Id} → {target.Id}, expected {sourceTxId} → {targetTxId}.");
        }

        if (sourceTxId == 0 || sourceTxId > targetTxId)
        {
            IntegrityException.Throw(IntegrityFailure.MalformedProof, $"Dual proof from tx {sourceTxId} to tx {targetTxId} is impossible.");
        }

        if (source.Alh() != sourceAlh)
        {
            IntegrityException.Throw(IntegrityFailure.HeaderMismatch, $"The header of tx {sourceTxId} does not hash to the trusted Alh {sourceAlh}.");
        }

        if (target.Alh() != targetAlh)
        {
            IntegrityException.Throw(IntegrityFailure.HeaderMismatch, $"The header of tx {targetTxId} does not hash to the expected Alh {targetAlh}.");
        }

        bool sourceInTargetTree = sourceTxId < target.BlTxId;
        if (sourceInTargetTree)
        {
            AppendOnlyTree.VerifyInclusion(ToArray(proof.InclusionProof), sourceTxId, target.BlTxId, AppendOnlyTree.LeafFor(sourceAlh), target.BlRoot);
        }
        else
        {
            RequireEmpty(proof.InclusionProof, "inclusion proof", $"tx {sourceTxId} is not below target blTxId {target.BlTxId}");
        }

        if (source.BlTxId > 0)
        {
            AppendOnlyTree.VerifyConsistency(ToArray(proof.ConsistencyProof), source.BlTxId, target.BlTxId, source.BlRoot, target.BlRoot);
        }
        else
        {
            RequireEmpty(proof.ConsistencyProof, "consistency proof", "the source links no tx");
            RequireZeroRoot(source);
        }

        if (target.BlTxId > 0)
        {
            AppendOnlyTree.VerifyLastInclusion(ToArray(proof.LastInclusionProof), target.BlTxId, AppendOnlyTree.LeafFor(proof.TargetBlTxAlh), target.BlRoot);
        }
        else
        {
            RequireEmpty(proof.LastInclusionProof, "last inclusion proof", "the target links no tx");
            RequireZeroRoot(target);
            if (proof.TargetBlTxAlh != Digest.Zero)
            {
                IntegrityException.Throw(IntegrityFailure.MalformedProof, "targetBlTxAlh must be 32 zero bytes when the target links no tx.");
            }
        }

        if (sourceInTargetTree)
        {
            LinearProof.Verify(proof.LinearProof, target.BlTxId, targetTxId, proof.TargetBlTxAlh, targetAlh);

            // The txs between the source's last linked tx and the source were only ever covered by a chain.
            LinearAdvanceProof.Verify(proof.LinearAdvanceProof, source.BlTxId, sourceTxId, sourceAlh, target.BlRoot, target.BlTxId);
        }
        else
        {
            LinearProof.Verify(proof.LinearProof, sourceTxId, targetTxId, sourceAlh, targetAlh);

            // The part of the chain the target's tree now covers must be the part its leaves hold.
            LinearAdvanceProof.Verify(proof.LinearAdvanceProof, source.BlTxId, target.BlTxId, proof.TargetBlTxAlh, target.BlRoot, target.BlTxId);
        }
    }

    private static Digest[] ToArray(IReadOnlyList<Digest> terms) => terms as Digest[] ?? [.. terms];

    private static void RequireEmpty(IReadOnlyList<Digest> terms, string part, string because)
    {
        if (terms.Count != 0)
        {
            IntegrityException.Throw(IntegrityFailure.MalformedProof, $"The dual proof's {part} must be empty: {because}.");
        }
    }

    private static void RequireZeroRoot(TxHeader header)
    {
        if (header.BlRoot != Digest.Zero)
        {
            IntegrityException.Throw(IntegrityFailure.MalformedProof, $"Tx {header.Id} links no tx but its blRoot is not 32 zero bytes.");
        }
    }
}
