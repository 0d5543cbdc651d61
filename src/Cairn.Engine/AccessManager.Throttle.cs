// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;

namespace Cairn.Engine;

/// <summary>The login back-off: failed attempts per user name and per client address slow further ones down.</summary>
public sealed partial class AccessManager
{
    /// <summary>The start of the message of a login refused by the back-off.</summary>
    public const string LoginBackOffMessage = "too many failed login attempts";

    /// <summary>The failed-login counters (exposed for diagnostics and tests).</summary>
    public LoginThrottle LoginThrottle => _throttle;

    // Refused before any password check, in the same words and the same (short) time whether the user exists or not.
    private void RefuseWhileBackingOff(string userName, string? clientAddress)
    {
        var wait = _throttle.RetryAfter(userName, clientAddress);
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        Logins.CountThrottled();
        long seconds = (long)Math.Ceiling(wait.TotalSeconds);
        EngineLog.LoginBackingOff(_logger, seconds);
        throw new EngineException(EngineErrorCode.ResourceExhausted,
            string.Create(CultureInfo.InvariantCulture, $"{LoginBackOffMessage}: try again in {seconds}s"))
        {
            RetryAfter = wait,
        };
    }

    private void RecordFailedLogin(string userName, string? clientAddress, bool known)
    {
        foreach (var (key, failures, window) in _throttle.Failed(userName, clientAddress))
        {
            long seconds = (long)Math.Ceiling(window.TotalSeconds);
            if (key == ThrottleKey.User)
            {
                // A name that is not a user may be a password typed in the wrong field: never logged.
                EngineLog.UserBackOff(_logger, known ? userName : "(unknown user)", failures, seconds);
            }
            else
            {
                EngineLog.AddressBackOff(_logger, clientAddress!, failures, seconds);
            }
        }
    }
}
