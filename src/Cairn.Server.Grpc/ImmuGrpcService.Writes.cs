// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;
using Cairn.Storage;
using Grpc.Core;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Grpc;

/// <summary>Writes: each successful call is one durable transaction.</summary>
public sealed partial class ImmuGrpcService
{
    /// <inheritdoc />
    public override async Task<Wire.TxHeader> Set(Wire.SetRequest request, ServerCallContext context)
    {
        var header = await SetAsync(SelectedDatabase(context), request, context).ConfigureAwait(false);
        return ProtoMapping.ToProto(header);
    }

    /// <inheritdoc />
    public override async Task<Wire.VerifiableTx> VerifiableSet(Wire.VerifiableSetRequest request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        RequireProvable(database, request.ProveSinceTx);
        var header = await SetAsync(database, request.SetRequest ?? throw ApiErrors.IllegalArguments("setRequest is required"), context).ConfigureAwait(false);
        return VerifiableTx(database, header.Id, request.ProveSinceTx);
    }

    /// <inheritdoc />
    public override async Task<Wire.TxHeader> Delete(Wire.DeleteKeysRequest request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        byte[][] keys = [.. request.Keys.Select(k => k.ToByteArray())];
        RequireKeys(context, Privilege.Delete, keys);
        var header = await CommitAsync(database, [.. keys.Select(k => (Operation)new Operation.Delete(k))], null, request.NoWait, context).ConfigureAwait(false);
        return ProtoMapping.ToProto(header);
    }

    /// <inheritdoc />
    public override async Task<Wire.TxHeader> ExecAll(Wire.ExecAllRequest request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        var operations = new List<Operation>(request.Operations.Count);
        foreach (var op in request.Operations)
        {
            operations.Add(op.OperationCase switch
            {
                Wire.Op.OperationOneofCase.Kv => new Operation.Put(ProtoMapping.FromProto(op.Kv)),
                Wire.Op.OperationOneofCase.ZAdd => new Operation.ZAdd(op.ZAdd.Set.ToByteArray(), op.ZAdd.Score, op.ZAdd.Key.ToByteArray(), op.ZAdd.AtTx, op.ZAdd.BoundRef),
                Wire.Op.OperationOneofCase.Ref => new Operation.Reference(op.Ref.Key.ToByteArray(), op.Ref.ReferencedKey.ToByteArray(), op.Ref.AtTx, op.Ref.BoundRef),
                _ => throw ApiErrors.IllegalArguments("an operation must be one of kv, zAdd or ref"),
            });
        }

        var preconditions = ProtoMapping.FromProto(request.Preconditions);
        RequireOperations(context, operations);
        RequirePreconditions(context, preconditions);
        var header = await CommitAsync(database, operations, preconditions, request.NoWait, context).ConfigureAwait(false);
        return ProtoMapping.ToProto(header);
    }

    /// <inheritdoc />
    public override async Task<Wire.TxHeader> SetReference(Wire.ReferenceRequest request, ServerCallContext context)
    {
        var header = await SetReferenceAsync(SelectedDatabase(context), request, context).ConfigureAwait(false);
        return ProtoMapping.ToProto(header);
    }

    /// <inheritdoc />
    public override async Task<Wire.VerifiableTx> VerifiableSetReference(Wire.VerifiableReferenceRequest request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        RequireProvable(database, request.ProveSinceTx, "illegal arguments");
        var header = await SetReferenceAsync(database, request.ReferenceRequest ?? throw ApiErrors.IllegalArguments("referenceRequest is required"), context).ConfigureAwait(false);
        return VerifiableTx(database, header.Id, request.ProveSinceTx);
    }

    /// <inheritdoc />
    public override async Task<Wire.TxHeader> ZAdd(Wire.ZAddRequest request, ServerCallContext context)
    {
        var header = await ZAddAsync(SelectedDatabase(context), request, context).ConfigureAwait(false);
        return ProtoMapping.ToProto(header);
    }

    /// <inheritdoc />
    public override async Task<Wire.VerifiableTx> VerifiableZAdd(Wire.VerifiableZAddRequest request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        RequireProvable(database, request.ProveSinceTx, "illegal arguments");
        var header = await ZAddAsync(database, request.ZAddRequest ?? throw ApiErrors.IllegalArguments("zAddRequest is required"), context).ConfigureAwait(false);
        return VerifiableTx(database, header.Id, request.ProveSinceTx);
    }

    private Task<Cairn.Verification.TxHeader> SetAsync(Database database, Wire.SetRequest request, ServerCallContext context)
    {
        List<KeyValue> entries = [.. request.KVs.Select(ProtoMapping.FromProto)];
        var preconditions = ProtoMapping.FromProto(request.Preconditions);
        RequireWritable(context, entries);
        RequirePreconditions(context, preconditions);
        return CommitAsync(database, [.. entries.Select(e => (Operation)new Operation.Put(e))], preconditions, request.NoWait, context);
    }

    private Task<Cairn.Verification.TxHeader> SetReferenceAsync(Database database, Wire.ReferenceRequest request, ServerCallContext context)
    {
        // ExecAll binds a reference with boundRef and no atTx to its own tx; SetReference refuses that (as immudb).
        RequireBoundRefRule(request.AtTx, request.BoundRef);
        var preconditions = ProtoMapping.FromProto(request.Preconditions);
        RequireKey(context, Privilege.Write, request.Key.Span);
        RequireKey(context, Privilege.Read, request.ReferencedKey.Span);
        RequirePreconditions(context, preconditions);
        return CommitAsync(database, [new Operation.Reference(request.Key.ToByteArray(), request.ReferencedKey.ToByteArray(), request.AtTx, request.BoundRef)],
            preconditions, request.NoWait, context);
    }

    private Task<Cairn.Verification.TxHeader> ZAddAsync(Database database, Wire.ZAddRequest request, ServerCallContext context)
    {
        RequireBoundRefRule(request.AtTx, request.BoundRef);
        RequireKey(context, Privilege.Write, request.Set.Span);
        RequireKey(context, Privilege.Read, request.Key.Span);
        return CommitAsync(database, [new Operation.ZAdd(request.Set.ToByteArray(), request.Score, request.Key.ToByteArray(), request.AtTx, request.BoundRef)], null, request.NoWait, context);
    }

    private static void RequireBoundRefRule(ulong atTx, bool boundRef)
    {
        if (boundRef != atTx > 0)
        {
            throw ApiErrors.IllegalArguments("boundRef must be set exactly when atTx is");
        }
    }
}
