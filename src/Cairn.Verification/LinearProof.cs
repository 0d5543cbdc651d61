// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification;

/// <summary>
/// Proof that tx <see cref="TargetTxId"/> extends tx <see cref="SourceTxId"/> along the Alh chain
/// (immudb-format §2.5): Terms[0] = Alh(source), Terms[k] = inner hash of tx source + k.
/// </summary>
public sealed class LinearProof
{
    /// <summary>Creates a proof.</summary>
    public LinearProof(ulong sourceTxId, ulong targetTxId, IReadOnlyList<Digest> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        SourceTxId = sourceTxId;
        TargetTxId = targetTxId;
        Terms = terms;
    }

    /// <summary>The tx the chain starts from.</summary>
    public ulong SourceTxId { get; }

    /// <summary>The tx the chain ends at.</summary>
    public ulong TargetTxId { get; }

    /// <summary>Alh of the source, then one inner hash per following tx.</summary>
    public IReadOnlyList<Digest> Terms { get; }

    /// <summary>
    /// Checks that the chain leads from (<paramref name="sourceTxId"/>, <paramref name="sourceAlh"/>) to
    /// (<paramref name="targetTxId"/>, <paramref name="targetAlh"/>) with exactly one term per step.
    /// </summary>
    /// <exception cref="IntegrityException">It does not.</exception>
    public static void Verify(LinearProof? proof, ulong sourceTxId, ulong targetTxId, in Digest sourceAlh, in Digest targetAlh)
    {
        if (proof is null || proof.SourceTxId != sourceTxId || proof.TargetTxId != targetTxId)
        {
            IntegrityException.Throw(
                IntegrityFailure.MalformedProof,
                $"Linear proof must lead from tx {sourceTxId} to tx {targetTxId}, got {Describe(proof)}.");
        }

        if (sourceTxId == 0 || sourceTxId > targetTxId || (ulong)proof.Terms.Count != targetTxId - sourceTxId + 1)
        {
            IntegrityException.Throw(
                IntegrityFailure.MalformedProof,
                $"Linear proof from tx {sourceTxId} to tx {targetTxId} must have {targetTxId - sourceTxId + 1} terms, got {proof.Terms.Count}.");
        }

        if (proof.Terms[0] != sourceAlh)
        {
            IntegrityException.Throw(IntegrityFailure.LinearProof, $"Linear proof does not start at the Alh of tx {sourceTxId}.");
        }

        var alh = proof.Terms[0];
        for (int k = 1; k < proof.Terms.Count; k++)
        {
            alh = TxHeader.ChainAlh(sourceTxId + (ulong)k, alh, proof.Terms[k]);
        }

        if (alh != targetAlh)
        {
            IntegrityException.Throw(IntegrityFailure.LinearProof, $"Linear proof from tx {sourceTxId} does not lead to the Alh of tx {targetTxId}.");
        }
    }

    private static string Describe(LinearProof? proof) => proof is null ? "none" : $"{proof.SourceTxId} → {proof.TargetTxId}";
}
