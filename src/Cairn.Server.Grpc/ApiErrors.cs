// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Engine;
using Cairn.Storage;
using Cairn.Verification;
using Grpc.Core;

namespace Cairn.Server.Grpc;

/// <summary>
/// The one mapping from engine and storage errors to gRPC statuses. Messages keep immudb's texts (SDKs match on
/// them, e.g. the suffix "key not found"); codes keep immudb's where SDKs depend on them and are otherwise the
/// precise gRPC code.
/// </summary>
public static class ApiErrors
{
    /// <summary>The status for <paramref name="exception"/>, or null when it is not a refusal the caller should see.</summary>
    public static RpcException? ToRpc(Exception exception) => exception switch
    {
        RpcException rpc => rpc,
        StorageException storage => new RpcException(new Status(Code(storage.Code), storage.Message)),
        EngineException engine => new RpcException(new Status(Code(engine.Code), engine.Message),
            RetryInfoTrailer.For(Code(engine.Code), engine.Message, engine.RetryAfter)),
        IntegrityException integrity => new RpcException(new Status(StatusCode.DataLoss, "integrity check failed: " + integrity.Message)),
        ArgumentException argument => new RpcException(new Status(StatusCode.InvalidArgument, "illegal arguments: " + argument.Message)),
        OperationCanceledException => new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled")),
        _ => null,
    };

    /// <summary>The code of a storage refusal.</summary>
    public static StatusCode Code(StorageErrorCode code) => code switch
    {
        // immudb answers these as UNKNOWN with the text; SDKs look at the text.
        StorageErrorCode.KeyNotFound or StorageErrorCode.TxNotFound or StorageErrorCode.NoMoreEntries => StatusCode.Unknown,
        StorageErrorCode.IllegalArguments or StorageErrorCode.IllegalState => StatusCode.InvalidArgument,
        StorageErrorCode.MaxKeyLengthExceeded or StorageErrorCode.MaxValueLengthExceeded or StorageErrorCode.MaxTxEntriesExceeded
            or StorageErrorCode.MaxTxSizeExceeded or StorageErrorCode.DuplicatedKey or StorageErrorCode.MaxScanLimitExceeded => StatusCode.InvalidArgument,
        StorageErrorCode.PreconditionFailed or StorageErrorCode.FinalKeyCannotBeConvertedIntoReference
            or StorageErrorCode.ReferencedKeyCannotBeAReference or StorageErrorCode.MaxKeyResolutionLimitReached => StatusCode.FailedPrecondition,
        StorageErrorCode.IndexTimeout => StatusCode.DeadlineExceeded,
        StorageErrorCode.DatabaseClosed => StatusCode.Unavailable,
        StorageErrorCode.DatabaseFailed => StatusCode.Internal,
        _ => StatusCode.Unknown,
    };

    /// <summary>The code of an engine refusal.</summary>
    public static StatusCode Code(EngineErrorCode code) => code switch
    {
        EngineErrorCode.NotLoggedIn or EngineErrorCode.TokenExpired or EngineErrorCode.NoSession
            or EngineErrorCode.InvalidCredentials => StatusCode.Unauthenticated,
        EngineErrorCode.UserNotActive or EngineErrorCode.PermissionDenied => StatusCode.PermissionDenied,
        EngineErrorCode.NoDatabaseSelected or EngineErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
        EngineErrorCode.InvalidArgument => StatusCode.InvalidArgument,
        EngineErrorCode.NotFound => StatusCode.NotFound,
        EngineErrorCode.AlreadyExists => StatusCode.AlreadyExists,
        EngineErrorCode.ResourceExhausted => StatusCode.ResourceExhausted,
        EngineErrorCode.NotSupported => StatusCode.Unimplemented,
        _ => StatusCode.Unknown,
    };

    /// <summary>A request whose arguments can never be valid (immudb's "illegal arguments").</summary>
    public static RpcException IllegalArguments(string detail) =>
        new(new Status(StatusCode.InvalidArgument, "illegal arguments: " + detail));

    /// <summary>immudb's answer to its deprecated configuration calls.</summary>
    public static RpcException NotSupported() => new(new Status(StatusCode.Unimplemented, "operation not supported"));
}
