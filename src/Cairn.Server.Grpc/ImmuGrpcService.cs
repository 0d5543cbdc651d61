// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Engine;
using Cairn.Storage;
using Cairn.Verification;
using Grpc.Core;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Grpc;

/// <summary>Settings of the gRPC front end.</summary>
public sealed record GrpcFrontEndOptions
{
    /// <summary>Signs every state and verifiable answer when set (immudb's <c>--signingKey</c>).</summary>
    public StateSigner? Signer { get; init; }

    /// <summary>The version Health and ServerInfo report.</summary>
    public string Version { get; init; } = "0.1.0";

    /// <summary>Told about every call once it ended (metrics); null for none.</summary>
    public IGrpcCallObserver? CallObserver { get; init; }

    /// <summary>
    /// Whether connections carry a client certificate verified by the transport (mutual TLS) whose subject CN
    /// names the caller's user; see <see cref="ClientCertificateUsers"/>.
    /// </summary>
    public bool ClientCertificatesNameUsers { get; init; }

    /// <summary>Who-wrote-it in every written header (default on); see <see cref="ProvenanceOptions"/>.</summary>
    public ProvenanceOptions Provenance { get; init; } = new();
}

/// <summary>
/// <c>immudb.schema.ImmuService</c> over the engine. The interceptor has authenticated and authorized each call
/// before a handler runs; handlers translate messages and call the engine. Methods not overridden here answer
/// Unimplemented (the base class).
/// </summary>
public sealed partial class ImmuGrpcService(CairnEngine engine, GrpcFrontEndOptions options) : Wire.ImmuService.ImmuServiceBase
{
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    private Database SelectedDatabase(ServerCallContext context)
    {
        string name = CallerInterceptor.SelectedDatabase(context);
        return (name == DatabaseNames.System ? engine.Databases.SystemDatabase : engine.Databases.Find(name))
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"'{name}' does not exist"));
    }

    private Wire.Signature? Sign(Database database, TxHeader target)
    {
        if (options.Signer is not { } signer)
        {
            return null;
        }

        var signed = signer.Sign(new ImmutableState(database.Name, target.Id, target.Alh()));
        return ProtoMapping.ToProto(signed.Signature!);
    }

    // The answer of every Verifiable* write and of VerifiableTxById: tx X in full, and the dual proof between X
    // and the tx the client trusts (X itself when it trusts none yet), in id order.
    private Wire.VerifiableTx VerifiableTx(Database database, ulong txId, ulong proveSinceTx)
    {
        ulong trusted = proveSinceTx == 0 ? txId : proveSinceTx;
        var dual = trusted <= txId ? database.ProveDual(trusted, txId) : database.ProveDual(txId, trusted);
        return new Wire.VerifiableTx
        {
            Tx = ProtoMapping.ToProto(database.ReadTx(txId)),
            DualProof = ProtoMapping.ToProto(dual),
            Signature = Sign(database, dual.TargetTxHeader),
        };
    }

    private static void RequireProvable(Database database, ulong proveSinceTx, string error = "illegal state")
    {
        if (proveSinceTx > database.LastTxId)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }
    }
}
