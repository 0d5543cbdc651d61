// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Engine;
using Cairn.Security;
using Grpc.Core;
using Wire = Cairn.Protocol.Immudb;
using WellKnown = Google.Protobuf.WellKnownTypes;

namespace Cairn.Server.Grpc;

/// <summary>The server and its databases.</summary>
public sealed partial class ImmuGrpcService
{
    /// <inheritdoc />
    public override Task<Wire.HealthResponse> Health(WellKnown.Empty request, ServerCallContext context) =>
        Task.FromResult(new Wire.HealthResponse { Status = true, Version = options.Version });

    /// <inheritdoc />
    public override Task<Wire.ServerInfoResponse> ServerInfo(Wire.ServerInfoRequest request, ServerCallContext context)
    {
        var databases = engine.Databases.List();
        long transactions = 0;
        long size = 0;
        foreach (var record in databases)
        {
            if (engine.Databases.Find(record.Name) is { } database)
            {
                transactions += (long)database.LastTxId;
                size += FolderSize(database.Folder);
            }
        }

        return Task.FromResult(new Wire.ServerInfoResponse
        {
            Version = options.Version,
            StartedAt = engine.StartedAt.ToUnixTimeSeconds(),
            NumTransactions = transactions,
            NumDatabases = databases.Count,
            DatabasesDiskSize = size,
        });
    }

    /// <inheritdoc />
    public override Task<Wire.ImmutableState> CurrentState(WellKnown.Empty request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        var state = database.State;
        if (options.Signer is { } signer)
        {
            state = signer.Sign(state);
        }

        return Task.FromResult(ProtoMapping.ToProto(state));
    }

    /// <inheritdoc />
    public override async Task<WellKnown.Empty> CreateDatabase(Wire.Database request, ServerCallContext context)
    {
        await engine.Access.CreateDatabaseAsync(CallerInterceptor.Caller(context), request.DatabaseName, context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    /// <inheritdoc />
    public override async Task<Wire.CreateDatabaseResponse> CreateDatabaseV2(Wire.CreateDatabaseRequest request, ServerCallContext context)
    {
        bool existed = false;
        try
        {
            await engine.Access.CreateDatabaseAsync(CallerInterceptor.Caller(context), request.Name, context.CancellationToken).ConfigureAwait(false);
        }
        catch (EngineException e) when (e.Code == EngineErrorCode.AlreadyExists && request.IfNotExists)
        {
            existed = true;
        }

        return new Wire.CreateDatabaseResponse { Name = request.Name, AlreadyExisted = existed, Settings = new Wire.DatabaseNullableSettings() };
    }

    /// <inheritdoc />
    public override Task<Wire.DatabaseListResponse> DatabaseList(WellKnown.Empty request, ServerCallContext context)
    {
        var response = new Wire.DatabaseListResponse();
        foreach (var record in VisibleDatabases(context))
        {
            response.Databases.Add(new Wire.Database { DatabaseName = record.Name });
        }

        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<Wire.DatabaseListResponseV2> DatabaseListV2(Wire.DatabaseListRequestV2 request, ServerCallContext context)
    {
        var response = new Wire.DatabaseListResponseV2();
        foreach (var record in VisibleDatabases(context))
        {
            var database = engine.Databases.Find(record.Name);
            response.Databases.Add(new Wire.DatabaseInfo
            {
                Name = record.Name,
                Loaded = database is not null,
                NumTransactions = database?.LastTxId ?? 0,
                DiskSize = database is null ? 0 : (ulong)FolderSize(database.Folder),
                CreatedAt = (ulong)record.CreatedAt.ToUnixTimeSeconds(),
                CreatedBy = record.CreatedBy,
                Settings = new Wire.DatabaseNullableSettings(),
            });
        }

        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<Wire.UseDatabaseReply> UseDatabase(Wire.Database request, ServerCallContext context)
    {
        string token = engine.Access.UseDatabase(CallerInterceptor.Caller(context), request.DatabaseName);
        return Task.FromResult(new Wire.UseDatabaseReply { Token = token });
    }

    /// <inheritdoc />
    /// <remarks>The key index compacts itself in the background; there is nothing to start.</remarks>
    public override Task<WellKnown.Empty> CompactIndex(WellKnown.Empty request, ServerCallContext context)
    {
        _ = SelectedDatabase(context);
        return Task.FromResult(Empty);
    }

    /// <inheritdoc />
    /// <remarks>immudb 1.1 used this to pin SQL reads to a snapshot; reads here always see the index as of the call.</remarks>
    public override Task<WellKnown.Empty> UseSnapshot(Wire.UseSnapshotRequest request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        if (request.SinceTx > database.LastTxId || request.AsBeforeTx > database.LastTxId + 1)
        {
            throw ApiErrors.IllegalArguments("snapshot beyond the last committed transaction");
        }

        return Task.FromResult(Empty);
    }

    /// <inheritdoc />
    public override Task<Wire.DatabaseHealthResponse> DatabaseHealth(WellKnown.Empty request, ServerCallContext context)
    {
        var database = SelectedDatabase(context);
        if (database.Failure is { } failure)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"database '{database.Name}' stopped accepting writes: {failure.Message}"));
        }

        return Task.FromResult(new Wire.DatabaseHealthResponse { PendingRequests = 0, LastRequestCompletedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
    }

    // A sysadmin sees every database; anyone else the existing databases it holds a permission on. auditdb comes
    // last and only for those who may read it.
    private IEnumerable<DatabaseRecord> VisibleDatabases(ServerCallContext context)
    {
        var user = engine.Access.CurrentUser(CallerInterceptor.Caller(context));
        return engine.Databases.List().Append(engine.Databases.AuditRecord)
            .Where(record => user.SysAdmin || user.PermissionOn(record.Name) != Permission.None);
    }

    private static long FolderSize(string folder)
    {
        try
        {
            return new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
