// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Engine.Audit;

/// <summary>The audit trail's log messages (event ids 2040–2059). Records themselves are never logged.</summary>
internal static partial class AuditLog
{
    [LoggerMessage(2040, LogLevel.Information, "Audit trail on: auditdb at sequence {Sequence}, queue {Capacity}, log file {File}")]
    public static partial void Started(ILogger logger, ulong sequence, int capacity, string file);

    [LoggerMessage(2041, LogLevel.Information, "Audit trail off (--audit off): nothing is recorded")]
    public static partial void Off(ILogger logger);

    [LoggerMessage(2042, LogLevel.Error, "Audit queue full for {Wait}: {Dropped} record(s) dropped so far")]
    public static partial void Dropped(ILogger logger, TimeSpan wait, long dropped);

    [LoggerMessage(2043, LogLevel.Error, "Writing {Count} audit record(s) to auditdb failed; they are lost")]
    public static partial void WriteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(2044, LogLevel.Error, "Writing audit records to {File} failed")]
    public static partial void FileFailed(ILogger logger, Exception exception, string file);

    [LoggerMessage(2045, LogLevel.Warning, "Audit trail stopped before draining: {Pending} record(s) not written")]
    public static partial void DrainTimedOut(ILogger logger, int pending);

    [LoggerMessage(2046, LogLevel.Debug, "Audit record refused after shutdown began")]
    public static partial void AfterShutdown(ILogger logger);

    [LoggerMessage(2047, LogLevel.Information, "Audit trail stopped at sequence {Sequence}: {Written} written, {Dropped} dropped, {Failed} failed")]
    public static partial void Stopped(ILogger logger, ulong sequence, long written, long dropped, long failed);
}
