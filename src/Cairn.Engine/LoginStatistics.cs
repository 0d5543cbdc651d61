// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Engine;

/// <summary>
/// Counts of credential checks (Login and OpenSession) since start, for metrics. Plain counters so the engine
/// knows nothing of how they are exported.
/// </summary>
public sealed class LoginStatistics
{
    private long _succeeded;
    private long _invalidCredentials;
    private long _inactiveUser;
    private long _throttled;

    /// <summary>Credential checks that passed.</summary>
    public long Succeeded => Interlocked.Read(ref _succeeded);

    /// <summary>Refused: unknown user or wrong password.</summary>
    public long InvalidCredentials => Interlocked.Read(ref _invalidCredentials);

    /// <summary>Refused: right password, deactivated user.</summary>
    public long InactiveUser => Interlocked.Read(ref _inactiveUser);

    /// <summary>Refused without checking the password: the login back-off was running.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    internal void CountSucceeded() => Interlocked.Increment(ref _succeeded);

    internal void CountInvalidCredentials() => Interlocked.Increment(ref _invalidCredentials);

    internal void CountInactiveUser() => Interlocked.Increment(ref _inactiveUser);

    internal void CountThrottled() => Interlocked.Increment(ref _throttled);
}
