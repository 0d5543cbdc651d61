// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Cli;

/// <summary>The CLI's log messages (event ids 5000–5099).</summary>
internal static partial class CliLog
{
    [LoggerMessage(5000, LogLevel.Information, "setting {Line}")]
    public static partial void Setting(ILogger logger, string line);

    [LoggerMessage(5001, LogLevel.Critical, "cannot start: {Reason}")]
    public static partial void CannotStart(ILogger logger, string reason);
}
