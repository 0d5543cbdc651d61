// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Client.State;
using Cairn.Verification;
using Cairn.Verification.Encodings;
using Google.Protobuf;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Client;

/// <summary>
/// Verified calls: each asks the server to prove its answer against the state the client trusts, checks the proof
/// with Cairn.Verification, and only then moves the trusted state forward and stores it. Any failed check throws
/// <see cref="CairnIntegrityException"/> and leaves the trusted state unchanged.
/// </summary>
public sealed partial class CairnClient
{
    /// <summary>Sets one key and verifies that the transaction holds it and extends the trusted history.</summary>
    public Task<TxHeader> VerifiedSetAsync(byte[] key, byte[] value, CancellationToken cancellationToken = default) =>
        VerifiedSetAllAsync([(key, value)], cancellationToken);

    /// <summary>Sets several keys atomically, verified like <see cref="VerifiedSetAsync"/>.</summary>
    public Task<TxHeader> VerifiedSetAllAsync(IReadOnlyCollection<(byte[] Key, byte[] Value)> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var request = new Wire.SetRequest();
        request.KVs.AddRange(entries.Select(e => new Wire.KeyValue { Key = ByteString.CopyFrom(e.Key), Value = ByteString.CopyFrom(e.Value) }));
        var expected = entries.Select(e => (KeyValueEncoding.StoredKey(e.Key), KeyValueEncoding.PlainValue(e.Value))).ToList();
        return VerifiedWriteAsync(
            (trusted, o) => _grpc.VerifiableSetAsync(new Wire.VerifiableSetRequest { SetRequest = request, ProveSinceTx = trusted }, o),
            expected, cancellationToken);
    }

    /// <summary>Makes <paramref name="key"/> a reference to <paramref name="referencedKey"/>, verified.</summary>
    public Task<TxHeader> VerifiedSetReferenceAsync(byte[] key, byte[] referencedKey, ulong atTx = 0, CancellationToken cancellationToken = default) =>
        VerifiedWriteAsync(
            (trusted, o) => _grpc.VerifiableSetReferenceAsync(new Wire.VerifiableReferenceRequest { ReferenceRequest = Reference(key, referencedKey, atTx), ProveSinceTx = trusted }, o),
            [(KeyValueEncoding.StoredKey(key), KeyValueEncoding.ReferenceValue(atTx, referencedKey))], cancellationToken);

    /// <summary>Adds a member to a sorted set, verified.</summary>
    public Task<TxHeader> VerifiedZAddAsync(byte[] set, double score, byte[] key, ulong atTx = 0, CancellationToken cancellationToken = default) =>
        VerifiedWriteAsync(
            (trusted, o) => _grpc.VerifiableZAddAsync(new Wire.VerifiableZAddRequest { ZAddRequest = ZAdd(set, score, key, atTx), ProveSinceTx = trusted }, o),
            [(SortedSetEncoding.StoredKey(set, score, key, atTx), [])], cancellationToken);

    /// <summary>The latest value of <paramref name="key"/>, proven to be in the trusted history.</summary>
    public Task<CairnEntry> VerifiedGetAsync(byte[] key, CancellationToken cancellationToken = default) =>
        VerifiedGetAsync(new Wire.KeyRequest { Key = ByteString.CopyFrom(key) }, cancellationToken);

    /// <summary>The value <paramref name="key"/> was given in tx <paramref name="txId"/>, proven.</summary>
    public Task<CairnEntry> VerifiedGetAtAsync(byte[] key, ulong txId, CancellationToken cancellationToken = default) =>
        VerifiedGetAsync(new Wire.KeyRequest { Key = ByteString.CopyFrom(key), AtTx = txId }, cancellationToken);

    /// <summary>The latest value once the index covers tx <paramref name="txId"/>, proven.</summary>
    public Task<CairnEntry> VerifiedGetSinceAsync(byte[] key, ulong txId, CancellationToken cancellationToken = default) =>
        VerifiedGetAsync(new Wire.KeyRequest { Key = ByteString.CopyFrom(key), SinceTx = txId }, cancellationToken);

    /// <summary>Version <paramref name="revision"/> of <paramref name="key"/>, proven.</summary>
    public Task<CairnEntry> VerifiedGetAtRevisionAsync(byte[] key, long revision, CancellationToken cancellationToken = default) =>
        VerifiedGetAsync(new Wire.KeyRequest { Key = ByteString.CopyFrom(key), AtRevision = revision }, cancellationToken);

    /// <summary>Transaction <paramref name="txId"/>, its entries checked against its header and the header linked to the trusted history.</summary>
    public async Task<CairnTx> VerifiedTxByIdAsync(ulong txId, CancellationToken cancellationToken = default)
    {
        var (identity, database, trusted) = await TrustedAsync(cancellationToken).ConfigureAwait(false);
        var reply = await ProvenCallAsync(trusted, o => _grpc.VerifiableTxByIdAsync(new Wire.VerifiableTxRequest { Tx = txId, ProveSinceTx = trusted.TxId }, o), cancellationToken).ConfigureAwait(false);
        await VerifyAndStoreAsync(identity, database, holder => VerifiedReplies.VerifyTx(holder, ReplyIdentity(identity), database, reply, header =>
        {
            if (header.Id != txId)
            {
                throw new IntegrityException(IntegrityFailure.HeaderMismatch, $"asked for tx {txId}, the server proved tx {header.Id}");
            }
        }), cancellationToken).ConfigureAwait(false);
        return Replies.Tx(reply.Tx);
    }

    /// <summary>
    /// The server's current state, proven to extend the trusted one (the first time, with nothing trusted yet, it is
    /// trusted as it is: trust on first use). Returns the newly trusted state.
    /// </summary>
    public async Task<ImmutableState> VerifiedStateAsync(CancellationToken cancellationToken = default)
    {
        var (identity, database, trusted) = await TrustedAsync(cancellationToken).ConfigureAwait(false);
        var current = await CurrentStateAsync(cancellationToken).ConfigureAwait(false);
        string announcedBy = ReplyIdentity(identity);
        if (current.Database != database)
        {
            throw new CairnIntegrityException(new IntegrityException(IntegrityFailure.StaleOrDivergentState,
                $"asked for the state of '{database}', the server answered with one of '{current.Database}'"));
        }

        if (current.TxId == trusted.TxId)
        {
            await VerifyAndStoreAsync(identity, database, holder => holder.Advance(ReplyIdentity(identity), current, null), cancellationToken).ConfigureAwait(false);
            return current;
        }

        if (current.TxId < trusted.TxId)
        {
            throw new CairnIntegrityException(new IntegrityException(IntegrityFailure.StaleOrDivergentState,
                $"the server's state of '{database}' (tx {current.TxId}) is older than the trusted one (tx {trusted.TxId})"));
        }

        Wire.VerifiableTx reply;
        try
        {
            reply = await CallAsync(o => _grpc.VerifiableTxByIdAsync(new Wire.VerifiableTxRequest { Tx = current.TxId, ProveSinceTx = trusted.TxId }, o), cancellationToken).ConfigureAwait(false);
        }
        catch (CairnException e) when (e is CairnNotFoundException or CairnRequestException)
        {
            // A committed tx never goes away: a server that cannot prove the state it just announced made it up.
            throw new CairnIntegrityException(new IntegrityException(IntegrityFailure.StaleOrDivergentState,
                $"the server announced tx {current.TxId} of '{database}' but cannot prove it: {e.Message}", e));
        }

        await VerifyAndStoreAsync(identity, database, holder => VerifiedReplies.VerifyTx(holder, ReplyIdentity(identity), database, reply, header =>
        {
            if (header.Id != current.TxId || header.Alh() != current.TxHash)
            {
                throw new IntegrityException(IntegrityFailure.StaleOrDivergentState, $"the proven tx {header.Id} is not the state the server announced (tx {current.TxId})");
            }

            // The state that was announced must come from the pinned server and carry its signature too, not only
            // the proof: the next reply stating the right identity does not make up for this one.
            holder.Get(announcedBy, database);
            if (_options.ServerSigningPublicKey is { } key)
            {
                StatePublicKey.Verify(current, key);
            }
        }), cancellationToken).ConfigureAwait(false);
        return TrustedState!;
    }

    private async Task<CairnEntry> VerifiedGetAsync(Wire.KeyRequest request, CancellationToken cancellationToken)
    {
        var (identity, database, trusted) = await TrustedAsync(cancellationToken).ConfigureAwait(false);
        var reply = await ProvenCallAsync(trusted, o => _grpc.VerifiableGetAsync(new Wire.VerifiableGetRequest { KeyRequest = request, ProveSinceTx = trusted.TxId }, o), cancellationToken).ConfigureAwait(false);
        await VerifyAndStoreAsync(identity, database, holder => VerifiedReplies.VerifyEntry(holder, ReplyIdentity(identity), database, request.Key.Span, reply, entry =>
        {
            if (request.AtTx != 0 && (entry.ReferencedBy?.Tx ?? entry.Tx) != request.AtTx)
            {
                throw new IntegrityException(IntegrityFailure.DataMismatch, $"asked for the value in tx {request.AtTx}, the server proved tx {entry.Tx}");
            }
        }), cancellationToken).ConfigureAwait(false);
        return Replies.Entry(reply.Entry);
    }

    private async Task<TxHeader> VerifiedWriteAsync(
        Func<ulong, Grpc.Core.CallOptions, Grpc.Core.AsyncUnaryCall<Wire.VerifiableTx>> write,
        IReadOnlyList<(byte[] StoredKey, byte[] StoredValue)> expected,
        CancellationToken cancellationToken)
    {
        var (identity, database, trusted) = await TrustedAsync(cancellationToken).ConfigureAwait(false);
        var reply = await ProvenCallAsync(trusted, o => write(trusted.TxId, o), cancellationToken).ConfigureAwait(false);
        TxHeader? header = null;
        await VerifyAndStoreAsync(identity, database, holder =>
            header = VerifiedReplies.VerifyTx(holder, ReplyIdentity(identity), database, reply, _ => VerifiedReplies.RequireEntries(reply.Tx, expected)),
            cancellationToken).ConfigureAwait(false);
        return header!;
    }

    // A server that refuses to prove from the trusted tx may have lost it: if its state is now older than what this
    // client verified, its history was rolled back or replaced, which is an integrity failure, not a bad request.
    private async Task<T> ProvenCallAsync<T>(ImmutableState trusted, Func<Grpc.Core.CallOptions, Grpc.Core.AsyncUnaryCall<T>> start, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync(start, cancellationToken).ConfigureAwait(false);
        }
        catch (CairnRequestException) when (trusted.TxId > 0)
        {
            var current = await CurrentStateAsync(cancellationToken).ConfigureAwait(false);
            if (current.TxId < trusted.TxId)
            {
                throw new CairnIntegrityException(new IntegrityException(IntegrityFailure.StaleOrDivergentState,
                    $"the server's '{current.Database}' ends at tx {current.TxId}, but this client verified tx {trusted.TxId}: its history was rolled back or replaced"));
            }

            throw;
        }
    }

    // The identity the last answer stated: a swapped identity fails against the pinned one in the holder.
    private string ReplyIdentity(string fallback) => _serverIdentity ?? fallback;

    // The trusted state of the selected database, bootstrapped from the server's current state on first use.
    private async Task<(string Identity, string Database, ImmutableState Trusted)> TrustedAsync(CancellationToken cancellationToken)
    {
        string database = _database ?? throw new CairnAuthenticationException("log in and select a database first");
        if (_serverIdentity is null)
        {
            await HealthAsync(cancellationToken).ConfigureAwait(false);
        }

        string identity = _serverIdentity ?? throw new CairnIntegrityException(new IntegrityException(IntegrityFailure.ServerIdentity, "the server did not state its identity"));
        await _trustLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var holder = await HolderAsync(cancellationToken).ConfigureAwait(false);
            var held = Guard(() => holder.Get(identity, database));
            if (held is not null)
            {
                return (identity, database, held);
            }
        }
        finally
        {
            _trustLock.Release();
        }

        // First contact for this database: trust what the server says now (its signature is checked when a key is set).
        var current = await CurrentStateAsync(cancellationToken).ConfigureAwait(false);
        await VerifyAndStoreAsync(identity, database, holder =>
        {
            if (holder.Get(ReplyIdentity(identity), database) is null)
            {
                holder.Bootstrap(ReplyIdentity(identity), current);
            }
        }, cancellationToken).ConfigureAwait(false);
        return (identity, database, _holder!.Get(identity, database)!);
    }

    private async Task VerifyAndStoreAsync(string identity, string database, Action<TrustedStateHolder> verify, CancellationToken cancellationToken)
    {
        await _trustLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var holder = await HolderAsync(cancellationToken).ConfigureAwait(false);
            var before = holder.ServerIdentity == identity ? holder.Get(identity, database) : null;
            Guard(() =>
            {
                verify(holder);
                return true;
            });

            // Proving an older tx leaves the trust as it was: nothing to store (and no fsync for a file store).
            if (!_trustedDatabases.Add(database) && before is not null && ReferenceEquals(before, holder.Get(identity, database)))
            {
                return;
            }
            var states = new Dictionary<string, ImmutableState>(StringComparer.Ordinal);
            foreach (string name in _trustedDatabases)
            {
                if (holder.Get(identity, name) is { } state)
                {
                    states[name] = state;
                }
            }

            await _options.StateStore.SaveAsync(_options.Address, new TrustedServer(holder.ServerIdentity ?? identity, states), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _trustLock.Release();
        }
    }

    // Loads what the store trusts for this address once; the holder then enforces the pinned identity.
    private async Task<TrustedStateHolder> HolderAsync(CancellationToken cancellationToken)
    {
        if (_holder is not null)
        {
            return _holder;
        }

        var stored = await Guarded(() => _options.StateStore.LoadAsync(_options.Address, cancellationToken).AsTask()).ConfigureAwait(false);
        var holder = new TrustedStateHolder(stored?.ServerIdentity, _options.ServerSigningPublicKey ?? []);
        if (stored is not null)
        {
            foreach (var state in stored.States.Values)
            {
                Guard(() =>
                {
                    holder.Bootstrap(stored.ServerIdentity, state);
                    return true;
                });
                _trustedDatabases.Add(state.Database);
            }
        }

        _holder = holder;
        return holder;
    }

    private static T Guard<T>(Func<T> check)
    {
        try
        {
            return check();
        }
        catch (IntegrityException e)
        {
            throw new CairnIntegrityException(e);
        }
    }

    private static async Task<T> Guarded<T>(Func<Task<T>> check)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (IntegrityException e)
        {
            throw new CairnIntegrityException(e);
        }
    }
}
