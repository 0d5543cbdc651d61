// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Grpc.Core;

namespace Cairn.Server.Grpc;

/// <summary>
/// Told about every call the service handled, after it ended, on the call's thread; for metrics. It must be
/// quick and must not throw.
/// </summary>
public interface IGrpcCallObserver
{
    /// <summary>A call ended.</summary>
    /// <param name="method">The full method path, e.g. <c>/immudb.schema.ImmuService/Set</c>.</param>
    /// <param name="status">The status the client gets.</param>
    /// <param name="elapsed">From the interceptor's start to the handler's end.</param>
    void CallCompleted(string method, StatusCode status, TimeSpan elapsed);
}
