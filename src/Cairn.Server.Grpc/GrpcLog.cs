// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Server.Grpc;

/// <summary>The gRPC front end's log messages (event ids 3000–3099). Per-call events are Debug only.</summary>
internal static partial class GrpcLog
{
    [LoggerMessage(3000, LogLevel.Error, "{Method} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, Exception exception, string method);

    [LoggerMessage(3001, LogLevel.Debug, "{Method} refused: {Status} {Message}")]
    public static partial void Refused(ILogger logger, string method, global::Grpc.Core.StatusCode status, string message);
}
