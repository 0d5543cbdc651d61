// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;
using Cairn.Storage;
using Cairn.Verification.Encodings;
using Grpc.Core;
using Wire = Cairn.Protocol.Immudb;
using WellKnown = Google.Protobuf.WellKnownTypes;

namespace Cairn.Server.Grpc;

/// <summary>Reads, transactions and proofs.</summary>
public sealed partial class ImmuGrpcService
{
    /// <inheritdoc />
    public override async Task<Wire.Entry> Get(Wire.KeyRequest request, ServerCallContext context)
    {
        var entry = await GetAsync(SelectedDatabase(context), request, context).ConfigureAwait(false);
        return ProtoMapping.ToProto(entry);
    }

    /// <inheritdoc />
    public override async Task<Wire.VerifiableEntry> VerifiableGet(Wire.VerifiableGetRequest request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        RequireProvable(database, request.ProveSinceTx);
        var entry = await GetAsync(database, request.KeyRequest ?? throw ApiErrors.IllegalArguments("keyRequest is required"), context).ConfigureAwait(false);

        // What is proven is the entry the key names: the reference itself when the value was reached through one.
        var (txId, userKey) = entry.ReferencedBy is { } reference ? (reference.TxId, reference.Key) : (entry.TxId, entry.Key);
        var inclusion = database.ProveEntry(txId, KeyValueEncoding.StoredKey(userKey));
        return new Wire.VerifiableEntry
        {
            Entry = ProtoMapping.ToProto(entry),
            VerifiableTx = VerifiableTx(database, txId, request.ProveSinceTx),
            InclusionProof = ProtoMapping.ToProto(inclusion),
        };
    }

    /// <inheritdoc />
    public override async Task<Wire.Entries> GetAll(Wire.KeyListRequest request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        byte[][] keys = [.. request.Keys.Select(k => k.ToByteArray())];
        RequireKeys(context, Privilege.Read, keys);
        var entries = await database.GetAllAsync(keys, request.SinceTx, context.CancellationToken).ConfigureAwait(false);
        RequireReadable(context, entries);
        return ToEntries(entries);
    }

    /// <inheritdoc />
    public override async Task<Wire.Entries> Scan(Wire.ScanRequest request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        RequirePrefix(context, Privilege.Read, request.Prefix.Span);
        var entries = await database.ScanAsync(new ScanOptions
        {
            Prefix = request.Prefix.ToByteArray(),
            SeekKey = request.SeekKey.IsEmpty ? null : request.SeekKey.ToByteArray(),
            EndKey = request.EndKey.IsEmpty ? null : request.EndKey.ToByteArray(),
            InclusiveSeek = request.InclusiveSeek,
            InclusiveEnd = request.InclusiveEnd,
            Desc = request.Desc,
            Limit = Limit(request.Limit),
            Offset = request.Offset,
            SinceTx = request.SinceTx,
            NoWait = request.NoWait,
        }, context.CancellationToken).ConfigureAwait(false);
        RequireReadable(context, entries);
        return ToEntries(entries);
    }

    /// <inheritdoc />
    public override async Task<Wire.EntryCount> Count(Wire.KeyPrefix request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        RequirePrefix(context, Privilege.Read, request.Prefix.Span);
        ulong count = await database.CountAsync(request.Prefix.ToByteArray(), cancellationToken: context.CancellationToken).ConfigureAwait(false);
        return new Wire.EntryCount { Count = count };
    }

    /// <inheritdoc />
    public override async Task<Wire.EntryCount> CountAll(WellKnown.Empty request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        RequirePrefix(context, Privilege.Read, []);
        ulong count = await database.CountAsync([], cancellationToken: context.CancellationToken).ConfigureAwait(false);
        return new Wire.EntryCount { Count = count };
    }

    /// <inheritdoc />
    public override async Task<Wire.Entries> History(Wire.HistoryRequest request, ServerCallContext context)
    {
        if (request.Limit < 0)
        {
            throw ApiErrors.IllegalArguments("limit must not be negative");
        }

        var database = SelectedDatabase(context);
        RequireKey(context, Privilege.Read, request.Key.Span);
        var entries = await database.HistoryAsync(request.Key.ToByteArray(), new HistoryOptions
        {
            Offset = request.Offset,
            Limit = request.Limit,
            Desc = request.Desc,
            SinceTx = request.SinceTx,
        }, context.CancellationToken).ConfigureAwait(false);
        RequireReadable(context, entries);
        return ToEntries(entries);
    }

    /// <inheritdoc />
    public override async Task<Wire.ZEntries> ZScan(Wire.ZScanRequest request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        RequireKey(context, Privilege.Read, request.Set.Span);
        var members = await database.ZScanAsync(request.Set.ToByteArray(), new ZScanOptions
        {
            SeekKey = request.SeekKey.IsEmpty ? null : request.SeekKey.ToByteArray(),
            SeekScore = request.SeekScore,
            SeekAtTx = request.SeekAtTx,
            InclusiveSeek = request.InclusiveSeek,
            MinScore = request.MinScore?.Score_,
            MaxScore = request.MaxScore?.Score_,
            Desc = request.Desc,
            Limit = Limit(request.Limit),
            Offset = request.Offset,
            SinceTx = request.SinceTx,
            NoWait = request.NoWait,
        }, context.CancellationToken).ConfigureAwait(false);
        RequireReadable(context, members.Select(m => m.Entry));
        var response = new Wire.ZEntries();
        foreach (var member in members)
        {
            response.Entries.Add(ProtoMapping.ToProto(member));
        }

        return response;
    }

    /// <inheritdoc />
    public override Task<Wire.Tx> TxById(Wire.TxRequest request, ServerCallContext context)
    {
        if (request.Tx == 0)
        {
            throw ApiErrors.IllegalArguments("tx id must be at least 1");
        }

        var database = SelectedDatabase(context);
        engine.Access.RequireAllKeys(CallerInterceptor.Caller(context), Privilege.Read, "TxById");
        return Task.FromResult(ProtoMapping.ToProto(database.ReadTx(request.Tx)));
    }

    /// <inheritdoc />
    public override Task<Wire.VerifiableTx> VerifiableTxById(Wire.VerifiableTxRequest request, ServerCallContext context)
    {
        if (request.Tx == 0)
        {
            throw ApiErrors.IllegalArguments("tx id must be at least 1");
        }

        var database = SelectedDatabase(context);
        engine.Access.RequireAllKeys(CallerInterceptor.Caller(context), Privilege.Read, "VerifiableTxById");
        RequireProvable(database, request.ProveSinceTx);
        if (request.Tx > database.LastTxId)
        {
            throw new RpcException(new Status(StatusCode.Unknown, "tx not found"));
        }

        return Task.FromResult(VerifiableTx(database, request.Tx, request.ProveSinceTx));
    }

    /// <inheritdoc />
    public override Task<Wire.TxList> TxScan(Wire.TxScanRequest request, ServerCallContext context)
    {
        if (request.InitialTx == 0)
        {
            throw ApiErrors.IllegalArguments("initialTx must be at least 1");
        }

        var database = SelectedDatabase(context);
        engine.Access.RequireAllKeys(CallerInterceptor.Caller(context), Privilege.Read, "TxScan");
        var response = new Wire.TxList();
        foreach (var tx in database.TxScan(request.InitialTx, Limit(request.Limit), request.Desc))
        {
            response.Txs.Add(ProtoMapping.ToProto(tx));
        }

        return Task.FromResult(response);
    }

    private async ValueTask<Entry> GetAsync(Database database, Wire.KeyRequest request, ServerCallContext context)
    {
        RequireKey(context, Privilege.Read, request.Key.Span);
        var entry = await database.GetAsync(request.Key.ToByteArray(), new GetOptions
        {
            AtTx = request.AtTx,
            SinceTx = request.SinceTx,
            NoWait = request.NoWait,
            AtRevision = request.AtRevision,
        }, context.CancellationToken).ConfigureAwait(false);
        RequireReadable(context, [entry]);
        return entry;
    }

    // Limits above int range are certainly above the server's maximum; the engine names the maximum.
    private static int Limit(ulong limit) => limit > int.MaxValue ? int.MaxValue : (int)limit;

    private static Wire.Entries ToEntries(IReadOnlyList<Entry> entries)
    {
        var response = new Wire.Entries();
        foreach (var entry in entries)
        {
            response.Entries_.Add(ProtoMapping.ToProto(entry));
        }

        return response;
    }
}
