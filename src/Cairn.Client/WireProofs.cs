// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Client;

/// <summary>
/// immudb's wire messages as the Verification library's types. Every digest must be exactly 32 bytes and every
/// header well-formed; anything else is a <see cref="IntegrityFailure.MalformedProof"/>, never a default value.
/// </summary>
public static class WireProofs
{
    /// <summary>A 32-byte digest field.</summary>
    public static Digest Digest(ByteString bytes, string field) => bytes.Length == Verification.Digest.Size
        ? new Digest(bytes.Span)
        : throw Malformed($"{field} has {bytes.Length} bytes, not {Verification.Digest.Size}");

    /// <summary>A transaction header.</summary>
    public static TxHeader Header(Wire.TxHeader? header, string field = "header")
    {
        if (header is null)
        {
            throw Malformed($"{field} is missing");
        }

        try
        {
            TxMetadata? metadata = header.Metadata is null ? null : new TxMetadata(
                header.Metadata.TruncatedTxID == 0 ? null : header.Metadata.TruncatedTxID,
                header.Metadata.Extra.Span,
                hasExtra: !header.Metadata.Extra.IsEmpty);
            return new TxHeader(header.Id, Digest(header.PrevAlh, field + ".prevAlh"), header.Ts, header.Version, metadata,
                header.Nentries, Digest(header.EH, field + ".eH"), header.BlTxId, Digest(header.BlRoot, field + ".blRoot"));
        }
        catch (ArgumentException e)
        {
            throw Malformed($"{field}: {e.Message}");
        }
    }

    /// <summary>KV metadata (null when absent).</summary>
    public static KvMetadata? Metadata(Wire.KVMetadata? metadata)
    {
        if (metadata is null)
        {
            return null;
        }

        var result = new KvMetadata { Deleted = metadata.Deleted, NonIndexable = metadata.NonIndexable, ExpiresAt = metadata.Expiration?.ExpiresAt };
        return result.IsEmpty ? null : result;
    }

    /// <summary>The entries of a transaction as leaves of its tree.</summary>
    public static List<TxEntry> Entries(Wire.Tx tx)
    {
        var entries = new List<TxEntry>(tx.Entries.Count);
        foreach (var entry in tx.Entries)
        {
            if (entry.VLen < 0)
            {
                throw Malformed($"entry.vLen is {entry.VLen}");
            }

            entries.Add(new TxEntry(entry.Key.Span, Digest(entry.HValue, "entry.hValue"), entry.VLen, Metadata(entry.Metadata)));
        }

        return entries;
    }

    /// <summary>A proof of one entry in its transaction's tree.</summary>
    public static EntryInclusionProof Inclusion(Wire.InclusionProof? proof) => proof is null
        ? throw Malformed("inclusionProof is missing")
        : new EntryInclusionProof(proof.Leaf, proof.Width, Digests(proof.Terms, "inclusionProof.terms"));

    /// <summary>A dual proof.</summary>
    public static DualProof Dual(Wire.DualProof? proof)
    {
        if (proof is null)
        {
            throw Malformed("dualProof is missing");
        }

        var linear = proof.LinearProof ?? throw Malformed("dualProof.linearProof is missing");
        LinearAdvanceProof? advance = null;
        if (proof.LinearAdvanceProof is { } wireAdvance)
        {
            advance = new LinearAdvanceProof(
                Digests(wireAdvance.LinearProofTerms, "linearAdvanceProof.linearProofTerms"),
                [.. wireAdvance.InclusionProofs.Select(p => (IReadOnlyList<Digest>)Digests(p.Terms, "linearAdvanceProof.inclusionProofs"))]);
        }

        return new DualProof(
            Header(proof.SourceTxHeader, "dualProof.sourceTxHeader"),
            Header(proof.TargetTxHeader, "dualProof.targetTxHeader"),
            Digests(proof.InclusionProof, "dualProof.inclusionProof"),
            Digests(proof.ConsistencyProof, "dualProof.consistencyProof"),
            Digest(proof.TargetBlTxAlh, "dualProof.targetBlTxAlh"),
            Digests(proof.LastInclusionProof, "dualProof.lastInclusionProof"),
            new LinearProof(linear.SourceTxId, linear.TargetTxId, Digests(linear.Terms, "linearProof.terms")),
            advance);
    }

    /// <summary>A state as the server sent it.</summary>
    public static ImmutableState State(Wire.ImmutableState state) => new(
        state.Db,
        state.TxId,
        Digest(state.TxHash, "state.txHash"),
        Signature(state.Signature));

    /// <summary>A state signature (null when absent).</summary>
    public static StateSignature? Signature(Wire.Signature? signature) => signature is null
        ? null
        : new StateSignature(signature.PublicKey.ToByteArray(), signature.Signature_.ToByteArray());

    private static List<Digest> Digests(RepeatedField<ByteString> terms, string field) => [.. terms.Select(t => Digest(t, field))];

    private static IntegrityException Malformed(string message) => new(IntegrityFailure.MalformedProof, "malformed reply: " + message);
}
