// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Engine;

/// <summary>Login back-off and provisioning messages (event ids 2020–2039).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(2020, LogLevel.Warning, "Logins of user {User} wait {Seconds}s after {Failures} failed attempts")]
    public static partial void UserBackOff(ILogger logger, string user, int failures, long seconds);

    [LoggerMessage(2021, LogLevel.Warning, "Logins from {Address} wait {Seconds}s after {Failures} failed attempts")]
    public static partial void AddressBackOff(ILogger logger, string address, int failures, long seconds);

    [LoggerMessage(2022, LogLevel.Debug, "Login refused without checking the password: back-off for another {Seconds}s")]
    public static partial void LoginBackingOff(ILogger logger, long seconds);

    [LoggerMessage(2023, LogLevel.Information, "User {User} {Change} from the users file")]
    public static partial void UserProvisioned(ILogger logger, string user, string change);
}
