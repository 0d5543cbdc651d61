// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Engine;

/// <summary>The engine's log messages (event ids 2000–2099). Per-request events are never above Debug.</summary>
internal static partial class EngineLog
{
    [LoggerMessage(2000, LogLevel.Information, "Data folder {Directory} created")]
    public static partial void DataFolderCreated(ILogger logger, string directory);

    [LoggerMessage(2001, LogLevel.Information, "Database {Name} opened at tx {TxId}")]
    public static partial void DatabaseOpened(ILogger logger, string name, ulong txId);

    [LoggerMessage(2002, LogLevel.Information, "Database {Name} created by {User}")]
    public static partial void DatabaseCreated(ILogger logger, string name, string user);

    [LoggerMessage(2024, LogLevel.Information, "Database {Name} changed by {User}: {Change}")]
    public static partial void DatabaseChanged(ILogger logger, string name, string user, string change);

    [LoggerMessage(2003, LogLevel.Warning, "The admin user 'immudb' has the default password: change it before exposing the server")]
    public static partial void DefaultAdminPassword(ILogger logger);

    [LoggerMessage(2004, LogLevel.Information, "User {User} created by {Creator}")]
    public static partial void UserCreated(ILogger logger, string user, string creator);

    [LoggerMessage(2005, LogLevel.Information, "User {User} changed by {Actor}: {Change}")]
    public static partial void UserChanged(ILogger logger, string user, string actor, string change);

    [LoggerMessage(2006, LogLevel.Debug, "Session {Session} of {User} expired after being idle")]
    public static partial void SessionExpired(ILogger logger, string session, string user);

    [LoggerMessage(2007, LogLevel.Error, "Closing database {Name} failed")]
    public static partial void CloseFailed(ILogger logger, Exception exception, string name);
}
