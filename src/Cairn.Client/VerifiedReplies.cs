// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;
using Cairn.Verification.Encodings;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Client;

/// <summary>
/// The checks a client makes on immudb's verifiable replies before trusting them, and the trusted state they
/// move forward. Every failure is an <see cref="IntegrityException"/>; nothing is trusted until all checks pass.
/// </summary>
public static class VerifiedReplies
{
    /// <summary>
    /// Checks a <c>VerifiableTx</c> (the reply of VerifiableSet, VerifiableSetReference, VerifiableZAdd and
    /// VerifiableTxById): its entries rebuild the header's entries hash, and the dual proof links the tx to the
    /// trusted state, which then moves to the newer of the two.
    /// </summary>
    /// <returns>The verified header of the transaction.</returns>
    public static TxHeader VerifyTx(TrustedStateHolder holder, string serverIdentity, string database, Wire.VerifiableTx reply)
    {
        ArgumentNullException.ThrowIfNull(holder);
        ArgumentNullException.ThrowIfNull(reply);
        var tx = reply.Tx ?? throw Fail(IntegrityFailure.MalformedProof, "the reply holds no transaction");
        var header = WireProofs.Header(tx.Header, "tx.header");
        var entries = WireProofs.Entries(tx);
        if (entries.Count == 0 || entries.Count != header.EntryCount)
        {
            throw Fail(IntegrityFailure.HeaderMismatch, $"tx {header.Id} lists {entries.Count} entries but its header says {header.EntryCount}");
        }

        if (TxMerkleTree.ForEntries(entries, header.Version).Root != header.EntriesHash)
        {
            throw Fail(IntegrityFailure.EntryInclusion, $"the entries of tx {header.Id} do not rebuild its entries hash");
        }

        Link(holder, serverIdentity, database, header, WireProofs.Dual(reply.DualProof), WireProofs.Signature(reply.Signature));
        return header;
    }

    /// <summary>
    /// Checks a <c>VerifiableEntry</c> (the reply of VerifiableGet for <paramref name="requestedKey"/>): the entry
    /// (or the reference it was reached through) is in its transaction, and that transaction is linked to the
    /// trusted state, which then moves forward.
    /// </summary>
    /// <returns>The verified entry as sent.</returns>
    public static Wire.Entry VerifyEntry(TrustedStateHolder holder, string serverIdentity, string database, ReadOnlySpan<byte> requestedKey, Wire.VerifiableEntry reply)
    {
        ArgumentNullException.ThrowIfNull(holder);
        ArgumentNullException.ThrowIfNull(reply);
        var entry = reply.Entry ?? throw Fail(IntegrityFailure.MalformedProof, "the reply holds no entry");
        var verifiableTx = reply.VerifiableTx ?? throw Fail(IntegrityFailure.MalformedProof, "the reply holds no transaction");
        var header = WireProofs.Header(verifiableTx.Tx?.Header, "verifiableTx.tx.header");

        ulong txId;
        byte[] storedKey;
        byte[] storedValue;
        KvMetadata? metadata;
        if (entry.ReferencedBy is { } reference)
        {
            // The proof covers the reference entry: (reference key) -> (0x01, atTx, referenced key).
            txId = reference.Tx;
            storedKey = KeyValueEncoding.StoredKey(reference.Key.Span);
            storedValue = KeyValueEncoding.ReferenceValue(reference.AtTx, entry.Key.Span);
            metadata = WireProofs.Metadata(reference.Metadata);
            RequireKey(reference.Key.Span, requestedKey);
        }
        else
        {
            txId = entry.Tx;
            storedKey = KeyValueEncoding.StoredKey(entry.Key.Span);
            storedValue = KeyValueEncoding.PlainValue(entry.Value.Span);
            metadata = WireProofs.Metadata(entry.Metadata);
            RequireKey(entry.Key.Span, requestedKey);
        }

        if (header.Id != txId)
        {
            throw Fail(IntegrityFailure.HeaderMismatch, $"the entry is in tx {txId} but the proof is about tx {header.Id}");
        }

        var digest = EntryDigest.For(header.Version, metadata, storedKey, Digest.Compute(storedValue));
        TxMerkleTree.VerifyInclusion(WireProofs.Inclusion(reply.InclusionProof), digest, header);
        Link(holder, serverIdentity, database, header, WireProofs.Dual(verifiableTx.DualProof), WireProofs.Signature(verifiableTx.Signature));
        return entry;
    }

    /// <summary>
    /// Checks that a verified write's transaction holds exactly what was asked: every expected (stored key, stored
    /// value) is an entry of the tx with that value's hash. Call after <see cref="VerifyTx"/> (which checks the entries
    /// against the header).
    /// </summary>
    public static void RequireEntries(Wire.Tx? tx, IReadOnlyList<(byte[] StoredKey, byte[] StoredValue)> expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (tx is null)
        {
            throw Fail(IntegrityFailure.MalformedProof, "the reply holds no transaction");
        }

        if (tx.Entries.Count != expected.Count)
        {
            throw Fail(IntegrityFailure.DataMismatch, $"the transaction has {tx.Entries.Count} entries, {expected.Count} were written");
        }

        foreach (var (storedKey, storedValue) in expected)
        {
            var entry = tx.Entries.FirstOrDefault(e => e.Key.Span.SequenceEqual(storedKey))
                ?? throw Fail(IntegrityFailure.DataMismatch, "the transaction does not hold a key that was written");
            if (WireProofs.Digest(entry.HValue, "entry.hValue") != Digest.Compute(storedValue))
            {
                throw Fail(IntegrityFailure.DataMismatch, "the transaction holds another value than the one written");
            }
        }
    }

    // Proves that `proven` belongs to the history the client trusts, and trusts the newer end.
    private static void Link(TrustedStateHolder holder, string serverIdentity, string database, TxHeader proven, DualProof proof, StateSignature? signature)
    {
        var trusted = holder.Get(serverIdentity, database)
            ?? throw Fail(IntegrityFailure.StaleOrDivergentState, $"no trusted state of '{database}': read the current state first");
        var provenAlh = proven.Alh();
        if (trusted.TxId <= proven.Id)
        {
            if (proof.TargetTxHeader.Id != proven.Id || proof.TargetTxHeader.Alh() != provenAlh)
            {
                throw Fail(IntegrityFailure.HeaderMismatch, $"the dual proof ends at tx {proof.TargetTxHeader.Id}, not at the proven tx {proven.Id}");
            }

            holder.Advance(serverIdentity, new ImmutableState(database, proven.Id, provenAlh, signature), proof);
            return;
        }

        if (proof.SourceTxHeader.Id != proven.Id || proof.SourceTxHeader.Alh() != provenAlh)
        {
            throw Fail(IntegrityFailure.HeaderMismatch, $"the dual proof starts at tx {proof.SourceTxHeader.Id}, not at the proven tx {proven.Id}");
        }

        DualProof.Verify(proof, proven.Id, trusted.TxId, provenAlh, trusted.TxHash);
    }

    private static void RequireKey(ReadOnlySpan<byte> answered, ReadOnlySpan<byte> requested)
    {
        if (!answered.SequenceEqual(requested))
        {
            throw Fail(IntegrityFailure.DataMismatch, "the server answered with another key than the one asked for");
        }
    }

    private static IntegrityException Fail(IntegrityFailure failure, string message) => new(failure, message);
}
