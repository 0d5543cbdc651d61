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
    /// <param name="holder">The trusted states.</param>
    /// <param name="serverIdentity">The identity the server stated with this reply.</param>
    /// <param name="database">The database the reply is about.</param>
    /// <param name="reply">The reply.</param>
    /// <param name="beforeTrust">The caller's own checks of the reply, run before anything is trusted.</param>
    /// <returns>The verified header of the transaction.</returns>
    public static TxHeader VerifyTx(TrustedStateHolder holder, string serverIdentity, string database, Wire.VerifiableTx reply, Action<TxHeader>? beforeTrust = null)
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

        if (FromWire(() => TxMerkleTree.ForEntries(entries, header.Version).Root) != header.EntriesHash)
        {
            throw Fail(IntegrityFailure.EntryInclusion, $"the entries of tx {header.Id} do not rebuild its entries hash");
        }

        var proof = WireProofs.Dual(reply.DualProof);
        beforeTrust?.Invoke(header);
        Link(holder, serverIdentity, database, header, proof, WireProofs.Signature(reply.Signature));
        return header;
    }

    /// <summary>
    /// Checks a <c>VerifiableEntry</c> (the reply of VerifiableGet for <paramref name="requestedKey"/>): the entry
    /// (or the reference it was reached through) is in its transaction, and that transaction is linked to the
    /// trusted state, which then moves forward.
    /// </summary>
    /// <param name="holder">The trusted states.</param>
    /// <param name="serverIdentity">The identity the server stated with this reply.</param>
    /// <param name="database">The database the reply is about.</param>
    /// <param name="requestedKey">The key that was asked for.</param>
    /// <param name="reply">The reply.</param>
    /// <param name="beforeTrust">The caller's own checks of the entry, run before anything is trusted.</param>
    /// <returns>The verified entry as sent.</returns>
    public static Wire.Entry VerifyEntry(TrustedStateHolder holder, string serverIdentity, string database, ReadOnlySpan<byte> requestedKey, Wire.VerifiableEntry reply,
        Action<Wire.Entry>? beforeTrust = null)
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

        var valueHash = Digest.Compute(storedValue);
        var digest = FromWire(() => EntryDigest.For(header.Version, metadata, storedKey, valueHash));
        TxMerkleTree.VerifyInclusion(WireProofs.Inclusion(reply.InclusionProof), digest, header);
        var proof = WireProofs.Dual(verifiableTx.DualProof);
        beforeTrust?.Invoke(entry);
        Link(holder, serverIdentity, database, header, proof, WireProofs.Signature(verifiableTx.Signature));
        return entry;
    }

    /// <summary>
    /// Checks that a verified write's transaction holds exactly what was asked: every expected (stored key, stored
    /// value) is an entry of the tx with that value's hash. Pass it to <see cref="VerifyTx"/> as its <c>beforeTrust</c>
    /// check (which runs once the entries are checked against the header, before anything is trusted).
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

            if (trusted.TxId == proven.Id)
            {
                // The header alone hashes to the trusted Alh, so the proof adds nothing; but a server that sends a
                // broken one is not telling the truth, and every byte of a proof must count.
                DualProof.Verify(proof, proven.Id, proven.Id, provenAlh, provenAlh);
            }

            holder.Advance(serverIdentity, new ImmutableState(database, proven.Id, provenAlh, signature), proof);
            return;
        }

        if (proof.SourceTxHeader.Id != proven.Id || proof.SourceTxHeader.Alh() != provenAlh)
        {
            throw Fail(IntegrityFailure.HeaderMismatch, $"the dual proof starts at tx {proof.SourceTxHeader.Id}, not at the proven tx {proven.Id}");
        }

        DualProof.Verify(proof, proven.Id, trusted.TxId, provenAlh, trusted.TxHash);

        // Nothing moves, but the reply is signed over the proof's target, the trusted state: with a server key
        // configured that signature must verify like any other (the holder checks it and keeps the state as it is).
        holder.Advance(serverIdentity, trusted with { Signature = signature }, null);
    }

    // Verification types refuse impossible values (metadata on a version-0 entry…) with ArgumentException; from the
    // wire that is a malformed reply, not a caller's mistake.
    private static T FromWire<T>(Func<T> build)
    {
        try
        {
            return build();
        }
        catch (ArgumentException e)
        {
            throw new IntegrityException(IntegrityFailure.MalformedProof, "malformed reply: " + e.Message, e);
        }
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
