// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Server.Hosting;

/// <summary>Start checks and provisioning messages (event ids 4030–4049). None ever carries a password.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(4030, LogLevel.Warning, "The data folder {Directory} is open to group or others (mode {Mode}); make it owner-only: chmod 700 {Directory}")]
    public static partial void DataFolderNotPrivate(ILogger logger, string directory, string mode);

    [LoggerMessage(4031, LogLevel.Warning, "The {Setting} file {Path} is readable or writable by every user (mode {Mode}) and may hold secrets; restrict it: chmod 600 {Path}")]
    public static partial void FileWorldAccessible(ILogger logger, string setting, string path, string mode);

    [LoggerMessage(4032, LogLevel.Warning, "Users file {Path}: the password of user {User} is in plain text; it was hashed before being stored, but put a bcrypt hash in passwordHash instead so the file holds no password")]
    public static partial void PlainPasswordInUsersFile(ILogger logger, string path, string user);

    [LoggerMessage(4033, LogLevel.Information, "Users file {Path} applied: {Created} created, {Updated} updated, {Unchanged} unchanged")]
    public static partial void UsersFileApplied(ILogger logger, string path, int created, int updated, int unchanged);

    [LoggerMessage(4034, LogLevel.Warning, "Login back-off is off (--login-throttle-failures 0): password guessing is limited only by bcrypt's cost")]
    public static partial void LoginThrottleOff(ILogger logger);
}
