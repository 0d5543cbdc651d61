// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification;

/// <summary>
/// Binds the transactions that a linear proof steps over to the tree (immudb 1.4.1+, the fix of CVE-2022-36111).
/// For the txs start+1 … end−1 between two linked points it gives their inner hashes and, for each, an inclusion
/// proof in the target's tree, so that the Alh the chain passes through is the leaf the tree holds.
/// </summary>
public sealed class LinearAdvanceProof
{
    /// <summary>Creates a proof.</summary>
    public LinearAdvanceProof(IReadOnlyList<Digest> linearProofTerms, IReadOnlyList<IReadOnlyList<Digest>> inclusionProofs)
    {
        ArgumentNullException.ThrowIfNull(linearProofTerms);
        ArgumentNullException.ThrowIfNull(inclusionProofs);
        LinearProofTerms = linearProofTerms;
        InclusionProofs = inclusionProofs;
    }

    /// <summary>Alh of tx start+1, then the inner hash of each tx up to end.</summary>
    public IReadOnlyList<Digest> LinearProofTerms { get; }

    /// <summary>For each tx start+1 … end−1, its inclusion proof in the target's tree.</summary>
    public IReadOnlyList<IReadOnlyList<Digest>> InclusionProofs { get; }

    /// <summary>True when txs start+1 … end−1 exist, so a proof is required.</summary>
    public static bool IsNeeded(ulong startTxId, ulong endTxId) => endTxId > startTxId + 1;

    /// <summary>
    /// Checks the chain from tx <paramref name="startTxId"/>+1 to (<paramref name="endTxId"/>, <paramref name="endAlh"/>)
    /// and that every Alh on the way is in the tree (<paramref name="treeSize"/>, <paramref name="treeRoot"/>).
    /// A proof is required exactly when <see cref="IsNeeded"/>; otherwise it must be absent.
    /// </summary>
    /// <exception cref="IntegrityException">It does not hold.</exception>
    public static void Verify(LinearAdvanceProof? proof, ulong startTxId, ulong endTxId, in Digest endAlh, in Digest treeRoot, ulong treeSize)
    {
        if (endTxId < startTxId)
        {
            IntegrityException.Throw(IntegrityFailure.MalformedProof, $"Linear advance from tx {startTxId} back to tx {endTxId} is impossible.");
        }

        if (!IsNeeded(startTxId, endTxId))
        {
            if (proof is not null && (proof.LinearProofTerms.Count > 0 || proof.InclusionProofs.Count > 0))
            {
                IntegrityException.Throw(IntegrityFailure.MalformedProof, "A linear advance proof was sent where none is needed.");
            }

            return;
        }

        ulong steps = endTxId - startTxId;
        if (proof is null || (ulong)proof.LinearProofTerms.Count != steps || (ulong)proof.InclusionProofs.Count != steps - 1)
        {
            IntegrityException.Throw(
                IntegrityFailure.LinearAdvanceProof,
                $"Transactions {startTxId + 1}…{endTxId - 1} are covered only by the linear chain and need a linear advance proof with {steps} terms.");
        }

        var alh = proof.LinearProofTerms[0];
        for (ulong txId = startTxId + 1; txId < endTxId; txId++)
        {
            int k = (int)(txId - startTxId);
            var inclusion = proof.InclusionProofs[k - 1] as Digest[] ?? [.. proof.InclusionProofs[k - 1]];
            try
            {
                AppendOnlyTree.VerifyInclusion(inclusion, txId, treeSize, AppendOnlyTree.LeafFor(alh), treeRoot);
            }
            catch (IntegrityException e)
            {
                throw new IntegrityException(
                    IntegrityFailure.LinearAdvanceProof,
                    $"Tx {txId} on the linear chain is not the tx the tree of size {treeSize} holds.",
                    e);
            }

            alh = TxHeader.ChainAlh(txId + 1, alh, proof.LinearProofTerms[k]);
        }

        if (alh != endAlh)
        {
            IntegrityException.Throw(IntegrityFailure.LinearAdvanceProof, $"Linear advance chain does not lead to the Alh of tx {endTxId}.");
        }
    }
}
