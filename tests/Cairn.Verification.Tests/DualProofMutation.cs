// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification.Tests;

/// <summary>
/// A dual proof together with the claim it is checked against, and every single-bit flip that can be made to any
/// part of them: the claimed ids and Alhs, every header field, every proof term, the linear and advance proofs.
/// </summary>
internal sealed record DualProofCase(DualProof Proof, ulong SourceTxId, ulong TargetTxId, Digest SourceAlh, Digest TargetAlh)
{
    public static DualProofCase For(TestLedger ledger, ulong source, ulong target) =>
        new(ProofBuilder.Dual(ledger, ledger.Tree, source, target), source, target, ledger.GetHeader(source).Alh(), ledger.GetHeader(target).Alh());

    public void Verify() => DualProof.Verify(Proof, SourceTxId, TargetTxId, SourceAlh, TargetAlh);

    /// <summary>Every place a bit can be flipped: (part, index inside the part, number of bits).</summary>
    public List<(string Part, int Index, int Bits)> Slots()
    {
        var slots = new List<(string, int, int)>
        {
            ("claim.sourceId", 0, 64), ("claim.targetId", 0, 64), ("claim.sourceAlh", 0, 256), ("claim.targetAlh", 0, 256),
            ("targetBlTxAlh", 0, 256), ("linear.sourceTxId", 0, 64), ("linear.targetTxId", 0, 64),
        };
        foreach (var side in new[] { "source", "target" })
        {
            var header = side == "source" ? Proof.SourceTxHeader : Proof.TargetTxHeader;
            slots.Add(($"{side}.id", 0, 64));
            slots.Add(($"{side}.prevAlh", 0, 256));
            slots.Add(($"{side}.ts", 0, 64));
            slots.Add(($"{side}.version", 0, 32));
            slots.Add(($"{side}.nentries", 0, 32));
            slots.Add(($"{side}.eH", 0, 256));
            slots.Add(($"{side}.blTxId", 0, 64));
            slots.Add(($"{side}.blRoot", 0, 256));
            if (header.Metadata is not null)
            {
                slots.Add(($"{side}.metadata", 0, header.Metadata.SerializedSize * 8));
            }
        }

        AddTerms(slots, "inclusion", Proof.InclusionProof.Count);
        AddTerms(slots, "consistency", Proof.ConsistencyProof.Count);
        AddTerms(slots, "lastInclusion", Proof.LastInclusionProof.Count);
        AddTerms(slots, "linear.terms", Proof.LinearProof.Terms.Count);
        if (Proof.LinearAdvanceProof is { } advance)
        {
            AddTerms(slots, "advance.terms", advance.LinearProofTerms.Count);
            for (int k = 0; k < advance.InclusionProofs.Count; k++)
            {
                for (int m = 0; m < advance.InclusionProofs[k].Count; m++)
                {
                    slots.Add(("advance.inclusion", (k << 16) | m, 256));
                }
            }
        }

        return slots;
    }

    /// <summary>The case with one bit flipped, or null when the flip makes a header that cannot exist (bad version, negative count, unparsable metadata).</summary>
    public DualProofCase? Flip(string part, int index, int bit)
    {
        ulong Bit64(ulong value) => value ^ (1UL << bit);
        Digest Bit256(Digest value) => Support.FlipBit(value, bit);
        try
        {
            switch (part)
            {
                case "claim.sourceId": return this with { SourceTxId = Bit64(SourceTxId) };
                case "claim.targetId": return this with { TargetTxId = Bit64(TargetTxId) };
                case "claim.sourceAlh": return this with { SourceAlh = Bit256(SourceAlh) };
                case "claim.targetAlh": return this with { TargetAlh = Bit256(TargetAlh) };
                case "targetBlTxAlh": return With(targetBlTxAlh: Bit256(Proof.TargetBlTxAlh));
                case "linear.sourceTxId":
                    return With(linear: new LinearProof(Bit64(Proof.LinearProof.SourceTxId), Proof.LinearProof.TargetTxId, Proof.LinearProof.Terms));
                case "linear.targetTxId":
                    return With(linear: new LinearProof(Proof.LinearProof.SourceTxId, Bit64(Proof.LinearProof.TargetTxId), Proof.LinearProof.Terms));
                case "inclusion": return With(inclusion: FlipTerm(Proof.InclusionProof, index, bit));
                case "consistency": return With(consistency: FlipTerm(Proof.ConsistencyProof, index, bit));
                case "lastInclusion": return With(lastInclusion: FlipTerm(Proof.LastInclusionProof, index, bit));
                case "linear.terms":
                    return With(linear: new LinearProof(Proof.LinearProof.SourceTxId, Proof.LinearProof.TargetTxId, FlipTerm(Proof.LinearProof.Terms, index, bit)));
                case "advance.terms":
                    return With(advance: new LinearAdvanceProof(FlipTerm(Proof.LinearAdvanceProof!.LinearProofTerms, index, bit), Proof.LinearAdvanceProof.InclusionProofs));
                case "advance.inclusion":
                {
                    var inclusions = Proof.LinearAdvanceProof!.InclusionProofs.ToArray();
                    inclusions[index >> 16] = FlipTerm(inclusions[index >> 16], index & 0xFFFF, bit);
                    return With(advance: new LinearAdvanceProof(Proof.LinearAdvanceProof.LinearProofTerms, inclusions));
                }

                default:
                    bool source = part.StartsWith("source.", StringComparison.Ordinal);
                    var header = FlipHeader(source ? Proof.SourceTxHeader : Proof.TargetTxHeader, part[(part.IndexOf('.', StringComparison.Ordinal) + 1)..], bit);
                    return source ? With(sourceHeader: header) : With(targetHeader: header);
            }
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static TxHeader FlipHeader(TxHeader h, string field, int bit)
    {
        ulong id = h.Id, blTxId = h.BlTxId;
        long ts = h.Timestamp;
        int version = h.Version, count = h.EntryCount;
        Digest prevAlh = h.PrevAlh, eH = h.EntriesHash, blRoot = h.BlRoot;
        var metadata = h.Metadata;
        switch (field)
        {
            case "id": id ^= 1UL << bit; break;
            case "prevAlh": prevAlh = Support.FlipBit(prevAlh, bit); break;
            case "ts": ts ^= 1L << bit; break;
            case "version": version ^= 1 << bit; break;
            case "nentries": count ^= 1 << bit; break;
            case "eH": eH = Support.FlipBit(eH, bit); break;
            case "blTxId": blTxId ^= 1UL << bit; break;
            case "blRoot": blRoot = Support.FlipBit(blRoot, bit); break;
            case "metadata":
                var bytes = metadata!.ToBytes();
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                metadata = TxMetadata.Parse(bytes);
                break;
            default: throw new InvalidOperationException(field);
        }

        return new TxHeader(id, prevAlh, ts, version, metadata, count, eH, blTxId, blRoot);
    }

    private static Digest[] FlipTerm(IReadOnlyList<Digest> terms, int index, int bit)
    {
        var copy = terms.ToArray();
        copy[index] = Support.FlipBit(copy[index], bit);
        return copy;
    }

    private static void AddTerms(List<(string, int, int)> slots, string part, int count)
    {
        for (int k = 0; k < count; k++)
        {
            slots.Add((part, k, 256));
        }
    }

    private DualProofCase With(
        TxHeader? sourceHeader = null,
        TxHeader? targetHeader = null,
        IReadOnlyList<Digest>? inclusion = null,
        IReadOnlyList<Digest>? consistency = null,
        Digest? targetBlTxAlh = null,
        IReadOnlyList<Digest>? lastInclusion = null,
        LinearProof? linear = null,
        LinearAdvanceProof? advance = null) =>
        this with
        {
            Proof = new DualProof(
                sourceHeader ?? Proof.SourceTxHeader,
                targetHeader ?? Proof.TargetTxHeader,
                inclusion ?? Proof.InclusionProof,
                consistency ?? Proof.ConsistencyProof,
                targetBlTxAlh ?? Proof.TargetBlTxAlh,
                lastInclusion ?? Proof.LastInclusionProof,
                linear ?? Proof.LinearProof,
                advance ?? Proof.LinearAdvanceProof),
        };
}
