// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage;
using Cairn.Verification;
using Google.Protobuf;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Grpc;

/// <summary>
/// Engine values to and from immudb's messages. Digests always travel as 32 bytes (a zero blRoot too), version-0
/// headers leave <c>version</c> and <c>metadata</c> unset, and <c>TxEntry.metadata</c> is sent only when an entry
/// has metadata: immudb-node 1.1.1 cannot decode field 4 otherwise.
/// </summary>
internal static class ProtoMapping
{
    public static ByteString Bytes(in Digest digest) => ByteString.CopyFrom(digest.AsSpan());

    public static Wire.TxHeader ToProto(TxHeader header)
    {
        var proto = new Wire.TxHeader
        {
            Id = header.Id,
            PrevAlh = Bytes(header.PrevAlh),
            Ts = header.Timestamp,
            Nentries = header.EntryCount,
            EH = Bytes(header.EntriesHash),
            BlTxId = header.BlTxId,
            BlRoot = Bytes(header.BlRoot),
            Version = header.Version,
        };
        if (header.Metadata is { IsEmpty: false } metadata)
        {
            proto.Metadata = new Wire.TxMetadata
            {
                TruncatedTxID = metadata.TruncatedTxId ?? 0,
                Extra = metadata.Extra is { } extra ? ByteString.CopyFrom(extra.Span) : ByteString.Empty,
            };
        }

        return proto;
    }

    public static Wire.KVMetadata? ToProto(KvMetadata? metadata) => metadata is null || metadata.IsEmpty
        ? null
        : new Wire.KVMetadata
        {
            Deleted = metadata.Deleted,
            NonIndexable = metadata.NonIndexable,
            Expiration = metadata.ExpiresAt is { } expiresAt ? new Wire.Expiration { ExpiresAt = expiresAt } : null,
        };

    public static KvMetadata? FromProto(Wire.KVMetadata? metadata)
    {
        if (metadata is null)
        {
            return null;
        }

        var result = new KvMetadata
        {
            Deleted = metadata.Deleted,
            NonIndexable = metadata.NonIndexable,
            ExpiresAt = metadata.Expiration?.ExpiresAt,
        };
        return result.IsEmpty ? null : result;
    }

    public static Wire.TxEntry ToProto(TxEntryRecord entry, bool withValue = false)
    {
        var proto = new Wire.TxEntry
        {
            Key = ByteString.CopyFrom(entry.StoredKey),
            HValue = Bytes(entry.ValueHash),
            VLen = entry.ValueLength,
            Metadata = ToProto(entry.Metadata),
        };
        if (withValue && entry.StoredValue is { } value)
        {
            proto.Value = ByteString.CopyFrom(value);
        }

        return proto;
    }

    public static Wire.Tx ToProto(CommittedTx tx)
    {
        var proto = new Wire.Tx { Header = ToProto(tx.Header) };
        foreach (var entry in tx.Entries)
        {
            proto.Entries.Add(ToProto(entry));
        }

        return proto;
    }

    public static Wire.Entry ToProto(Entry entry)
    {
        var proto = new Wire.Entry
        {
            Tx = entry.TxId,
            Key = ByteString.CopyFrom(entry.Key),
            Value = ByteString.CopyFrom(entry.Value),
            Metadata = ToProto(entry.Metadata),
            Expired = entry.Expired,
            Revision = entry.Revision,
        };
        if (entry.ReferencedBy is { } reference)
        {
            proto.ReferencedBy = new Wire.Reference
            {
                Tx = reference.TxId,
                Key = ByteString.CopyFrom(reference.Key),
                AtTx = reference.AtTx,
                Metadata = ToProto(reference.Metadata),
                Revision = reference.Revision,
            };
        }

        return proto;
    }

    public static Wire.ZEntry ToProto(ZEntry entry) => new()
    {
        Set = ByteString.CopyFrom(entry.Set),
        Key = ByteString.CopyFrom(entry.Key),
        Entry = ToProto(entry.Entry),
        Score = entry.Score,
        AtTx = entry.AtTx,
    };

    public static Wire.InclusionProof ToProto(EntryInclusionProof proof)
    {
        var proto = new Wire.InclusionProof { Leaf = proof.Leaf, Width = proof.Width };
        AddAll(proto.Terms, proof.Terms);
        return proto;
    }

    public static Wire.DualProof ToProto(DualProof proof)
    {
        var proto = new Wire.DualProof
        {
            SourceTxHeader = ToProto(proof.SourceTxHeader),
            TargetTxHeader = ToProto(proof.TargetTxHeader),
            TargetBlTxAlh = Bytes(proof.TargetBlTxAlh),
            LinearProof = new Wire.LinearProof { SourceTxId = proof.LinearProof.SourceTxId, TargetTxId = proof.LinearProof.TargetTxId },
        };
        AddAll(proto.InclusionProof, proof.InclusionProof);
        AddAll(proto.ConsistencyProof, proof.ConsistencyProof);
        AddAll(proto.LastInclusionProof, proof.LastInclusionProof);
        AddAll(proto.LinearProof.Terms, proof.LinearProof.Terms);
        if (proof.LinearAdvanceProof is { } advance)
        {
            var advanceProto = new Wire.LinearAdvanceProof();
            AddAll(advanceProto.LinearProofTerms, advance.LinearProofTerms);
            foreach (var inclusion in advance.InclusionProofs)
            {
                var term = new Wire.InclusionProof();
                AddAll(term.Terms, inclusion);
                advanceProto.InclusionProofs.Add(term);
            }

            proto.LinearAdvanceProof = advanceProto;
        }

        return proto;
    }

    public static Wire.ImmutableState ToProto(ImmutableState state)
    {
        var proto = new Wire.ImmutableState { Db = state.Database, TxId = state.TxId, TxHash = Bytes(state.TxHash) };
        if (state.Signature is { } signature)
        {
            proto.Signature = ToProto(signature);
        }

        return proto;
    }

    public static Wire.Signature ToProto(StateSignature signature) => new()
    {
        PublicKey = ByteString.CopyFrom(signature.PublicKey),
        Signature_ = ByteString.CopyFrom(signature.Signature),
    };

    public static KeyValue FromProto(Wire.KeyValue kv) => new(kv.Key.ToByteArray(), kv.Value.ToByteArray(), FromProto(kv.Metadata));

    public static List<Precondition> FromProto(IEnumerable<Wire.Precondition> preconditions)
    {
        var result = new List<Precondition>();
        foreach (var p in preconditions)
        {
            result.Add(p.PreconditionCase switch
            {
                Wire.Precondition.PreconditionOneofCase.KeyMustExist => new Precondition.KeyMustExist(p.KeyMustExist.Key.ToByteArray()),
                Wire.Precondition.PreconditionOneofCase.KeyMustNotExist => new Precondition.KeyMustNotExist(p.KeyMustNotExist.Key.ToByteArray()),
                Wire.Precondition.PreconditionOneofCase.KeyNotModifiedAfterTX => new Precondition.KeyNotModifiedAfterTx(
                    p.KeyNotModifiedAfterTX.Key.ToByteArray(), p.KeyNotModifiedAfterTX.TxID),
                _ => throw ApiErrors.IllegalArguments("empty precondition"),
            });
        }

        return result;
    }

    private static void AddAll(Google.Protobuf.Collections.RepeatedField<ByteString> target, IReadOnlyList<Digest> digests)
    {
        foreach (var digest in digests)
        {
            target.Add(Bytes(digest));
        }
    }
}
