// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Server.Hosting;

/// <summary>TLS, certificate reloads and front ends turned off (event ids 4010–4029).</summary>
internal static partial class TlsLog
{
    [LoggerMessage(4010, LogLevel.Information, "TLS on the gRPC port (TLS 1.2/1.3, h2): certificate {Subject}, serial {Serial}, valid until {NotAfter:u}; mutual TLS {MutualTls}")]
    public static partial void Enabled(ILogger logger, string subject, string serial, DateTime notAfter, string mutualTls);

    [LoggerMessage(4011, LogLevel.Information, "SIGHUP: TLS certificate reloaded: {Subject}, serial {Serial}, valid until {NotAfter:u}; client CAs {ClientCas}")]
    public static partial void Reloaded(ILogger logger, string subject, string serial, DateTime notAfter, int clientCas);

    [LoggerMessage(4012, LogLevel.Error, "SIGHUP: TLS certificate reload failed, the previous certificate stays in use: {Reason}")]
    public static partial void ReloadFailed(ILogger logger, string reason);

    [LoggerMessage(4013, LogLevel.Information, "SIGHUP: nothing to reload (TLS is off)")]
    public static partial void NothingToReload(ILogger logger);

    [LoggerMessage(4014, LogLevel.Debug, "Client certificate {Subject} refused: {Reason}")]
    public static partial void ClientCertificateRefused(ILogger logger, string subject, string reason);

    [LoggerMessage(4015, LogLevel.Information, "Cairn ready without the gRPC front end (--grpc off), server id {Identity}")]
    public static partial void GrpcOff(ILogger logger, string identity);

    [LoggerMessage(4016, LogLevel.Warning, "The TLS certificate {Subject} expires on {NotAfter:u}: replace the files and send SIGHUP")]
    public static partial void ExpiresSoon(ILogger logger, string subject, DateTime notAfter);
}
