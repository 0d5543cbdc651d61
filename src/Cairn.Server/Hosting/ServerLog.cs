// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Server.Hosting;

/// <summary>The host's log messages (event ids 4000–4099).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(4000, LogLevel.Information, "Cairn listening on {Address}:{Port} (gRPC, immudb API), server id {Identity}")]
    public static partial void Listening(ILogger logger, string address, int port, string identity);

    [LoggerMessage(4001, LogLevel.Information, "Cairn stopped; every database closed cleanly")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(4002, LogLevel.Information, "The admin user's default password was replaced by the one given with --admin-password")]
    public static partial void AdminPasswordSet(ILogger logger);

    [LoggerMessage(4003, LogLevel.Information, "Cairn metrics on {Address}:{Port} (HTTP/1.1: /metrics, /health; no authentication)")]
    public static partial void MetricsListening(ILogger logger, string address, int port);

    [LoggerMessage(4004, LogLevel.Information, "Cairn metrics are off (--metrics-port off)")]
    public static partial void MetricsOff(ILogger logger);
}
