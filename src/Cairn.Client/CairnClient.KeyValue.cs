// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;
using Google.Protobuf;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Client;

/// <summary>Reads and writes without verification: the server's word is taken as it is.</summary>
public sealed partial class CairnClient
{
    /// <summary>Sets one key; returns the transaction's header once it is durable (and indexed unless <paramref name="noWait"/>).</summary>
    public Task<TxHeader> SetAsync(byte[] key, byte[] value, bool noWait = false, CancellationToken cancellationToken = default) =>
        SetAllAsync([(key, value)], noWait, cancellationToken);

    /// <summary>Sets several keys in one atomic transaction.</summary>
    public async Task<TxHeader> SetAllAsync(IEnumerable<(byte[] Key, byte[] Value)> entries, bool noWait = false, CancellationToken cancellationToken = default)
    {
        var request = new Wire.SetRequest { NoWait = noWait };
        request.KVs.AddRange(entries.Select(e => new Wire.KeyValue { Key = ByteString.CopyFrom(e.Key), Value = ByteString.CopyFrom(e.Value) }));
        return Replies.Header(await CallAsync(o => _grpc.SetAsync(request, o), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The latest value of <paramref name="key"/>.</summary>
    /// <exception cref="CairnNotFoundException">The key has no value.</exception>
    public Task<CairnEntry> GetAsync(byte[] key, CancellationToken cancellationToken = default) =>
        GetAsync(new Wire.KeyRequest { Key = ByteString.CopyFrom(key) }, cancellationToken);

    /// <summary>The value <paramref name="key"/> was given in transaction <paramref name="txId"/>.</summary>
    public Task<CairnEntry> GetAtAsync(byte[] key, ulong txId, CancellationToken cancellationToken = default) =>
        GetAsync(new Wire.KeyRequest { Key = ByteString.CopyFrom(key), AtTx = txId }, cancellationToken);

    /// <summary>The latest value of <paramref name="key"/> once the index covers <paramref name="txId"/>.</summary>
    public Task<CairnEntry> GetSinceAsync(byte[] key, ulong txId, CancellationToken cancellationToken = default) =>
        GetAsync(new Wire.KeyRequest { Key = ByteString.CopyFrom(key), SinceTx = txId }, cancellationToken);

    /// <summary>Version <paramref name="revision"/> of <paramref name="key"/> (1 = first; 0 or less counts back from the latest).</summary>
    public Task<CairnEntry> GetAtRevisionAsync(byte[] key, long revision, CancellationToken cancellationToken = default) =>
        GetAsync(new Wire.KeyRequest { Key = ByteString.CopyFrom(key), AtRevision = revision }, cancellationToken);

    /// <summary>The latest values of several keys (fails on the first missing one).</summary>
    public async Task<IReadOnlyList<CairnEntry>> GetAllAsync(IEnumerable<byte[]> keys, CancellationToken cancellationToken = default)
    {
        var request = new Wire.KeyListRequest();
        request.Keys.AddRange(keys.Select(ByteString.CopyFrom));
        return Replies.Entries(await CallAsync(o => _grpc.GetAllAsync(request, o), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Every version of <paramref name="key"/>, oldest first unless <paramref name="desc"/>.</summary>
    public async Task<IReadOnlyList<CairnEntry>> HistoryAsync(byte[] key, ulong offset = 0, int limit = 0, bool desc = false, CancellationToken cancellationToken = default) =>
        Replies.Entries(await CallAsync(o => _grpc.HistoryAsync(new Wire.HistoryRequest { Key = ByteString.CopyFrom(key), Offset = offset, Limit = limit, Desc = desc }, o), cancellationToken).ConfigureAwait(false));

    /// <summary>Keys with <paramref name="prefix"/> in order, latest value each; <paramref name="seekKey"/> is exclusive.</summary>
    public async Task<IReadOnlyList<CairnEntry>> ScanAsync(byte[]? prefix = null, byte[]? seekKey = null, byte[]? endKey = null, bool desc = false, ulong limit = 0, ulong offset = 0, CancellationToken cancellationToken = default)
    {
        var request = new Wire.ScanRequest
        {
            Prefix = ByteString.CopyFrom(prefix ?? []),
            SeekKey = ByteString.CopyFrom(seekKey ?? []),
            EndKey = ByteString.CopyFrom(endKey ?? []),
            Desc = desc,
            Limit = limit,
            Offset = offset,
            InclusiveEnd = endKey is not null,
        };
        return Replies.Entries(await CallAsync(o => _grpc.ScanAsync(request, o), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>How many keys have <paramref name="prefix"/>.</summary>
    public async Task<ulong> CountAsync(byte[] prefix, CancellationToken cancellationToken = default) =>
        (await CallAsync(o => _grpc.CountAsync(new Wire.KeyPrefix { Prefix = ByteString.CopyFrom(prefix) }, o), cancellationToken).ConfigureAwait(false)).Count;

    /// <summary>Marks keys deleted (a version-1 transaction); later reads do not find them.</summary>
    public async Task<TxHeader> DeleteAsync(IEnumerable<byte[]> keys, CancellationToken cancellationToken = default)
    {
        var request = new Wire.DeleteKeysRequest();
        request.Keys.AddRange(keys.Select(ByteString.CopyFrom));
        return Replies.Header(await CallAsync(o => _grpc.DeleteAsync(request, o), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Makes <paramref name="key"/> a reference to <paramref name="referencedKey"/> (bound to tx <paramref name="atTx"/> when not 0).</summary>
    public async Task<TxHeader> SetReferenceAsync(byte[] key, byte[] referencedKey, ulong atTx = 0, CancellationToken cancellationToken = default) =>
        Replies.Header(await CallAsync(o => _grpc.SetReferenceAsync(Reference(key, referencedKey, atTx), o), cancellationToken).ConfigureAwait(false));

    /// <summary>Adds <paramref name="key"/> to sorted set <paramref name="set"/> with <paramref name="score"/>.</summary>
    public async Task<TxHeader> ZAddAsync(byte[] set, double score, byte[] key, ulong atTx = 0, CancellationToken cancellationToken = default) =>
        Replies.Header(await CallAsync(o => _grpc.ZAddAsync(ZAdd(set, score, key, atTx), o), cancellationToken).ConfigureAwait(false));

    /// <summary>Members of <paramref name="set"/> by score (ascending unless <paramref name="desc"/>).</summary>
    public async Task<IReadOnlyList<CairnZEntry>> ZScanAsync(byte[] set, double? minScore = null, double? maxScore = null, bool desc = false, ulong limit = 0, CancellationToken cancellationToken = default)
    {
        var request = new Wire.ZScanRequest
        {
            Set = ByteString.CopyFrom(set),
            Desc = desc,
            Limit = limit,
            MinScore = minScore is { } min ? new Wire.Score { Score_ = min } : null,
            MaxScore = maxScore is { } max ? new Wire.Score { Score_ = max } : null,
        };
        var reply = await CallAsync(o => _grpc.ZScanAsync(request, o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Entries.Select(Replies.ZEntry)];
    }

    /// <summary>Transaction <paramref name="txId"/> with its entries.</summary>
    public async Task<CairnTx> TxByIdAsync(ulong txId, CancellationToken cancellationToken = default) =>
        Replies.Tx(await CallAsync(o => _grpc.TxByIdAsync(new Wire.TxRequest { Tx = txId }, o), cancellationToken).ConfigureAwait(false));

    /// <summary>Up to <paramref name="limit"/> transactions from <paramref name="initialTxId"/> on (or back with <paramref name="desc"/>).</summary>
    public async Task<IReadOnlyList<CairnTx>> TxScanAsync(ulong initialTxId, uint limit = 0, bool desc = false, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(o => _grpc.TxScanAsync(new Wire.TxScanRequest { InitialTx = initialTxId, Limit = limit, Desc = desc }, o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Txs.Select(Replies.Tx)];
    }

    /// <summary>The server's current state of the selected database, as it says it (not verified; see <see cref="VerifiedStateAsync"/>).</summary>
    public async Task<ImmutableState> CurrentStateAsync(CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(o => _grpc.CurrentStateAsync(Empty, o), cancellationToken).ConfigureAwait(false);
        try
        {
            return WireProofs.State(reply);
        }
        catch (IntegrityException e)
        {
            throw new CairnIntegrityException(e);
        }
    }

    private static Wire.ReferenceRequest Reference(byte[] key, byte[] referencedKey, ulong atTx) =>
        new() { Key = ByteString.CopyFrom(key), ReferencedKey = ByteString.CopyFrom(referencedKey), AtTx = atTx, BoundRef = atTx > 0 };

    private static Wire.ZAddRequest ZAdd(byte[] set, double score, byte[] key, ulong atTx) =>
        new() { Set = ByteString.CopyFrom(set), Score = score, Key = ByteString.CopyFrom(key), AtTx = atTx, BoundRef = atTx > 0 };

    private async Task<CairnEntry> GetAsync(Wire.KeyRequest request, CancellationToken cancellationToken) =>
        Replies.Entry(await CallAsync(o => _grpc.GetAsync(request, o), cancellationToken).ConfigureAwait(false));
}
