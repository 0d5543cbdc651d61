// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Engine;

/// <summary>Why the engine refused a request. Each front end maps every code to its protocol once.</summary>
public enum EngineErrorCode
{
    /// <summary>No valid credentials: missing, forged, revoked or from before a restart.</summary>
    NotLoggedIn,

    /// <summary>The token is genuine but past its lifetime.</summary>
    TokenExpired,

    /// <summary>A session id that is not (or no longer) open.</summary>
    NoSession,

    /// <summary>Wrong user name or password.</summary>
    InvalidCredentials,

    /// <summary>The user is deactivated.</summary>
    UserNotActive,

    /// <summary>The caller lacks the permission the request needs.</summary>
    PermissionDenied,

    /// <summary>A data request with no database selected.</summary>
    NoDatabaseSelected,

    /// <summary>Invalid arguments (names, passwords, permissions).</summary>
    InvalidArgument,

    /// <summary>A named database or user does not exist (only told to callers allowed to know).</summary>
    NotFound,

    /// <summary>A database or user with that name exists.</summary>
    AlreadyExists,

    /// <summary>The request is valid but the state does not allow it (e.g. an inactive target user).</summary>
    FailedPrecondition,

    /// <summary>A server limit was reached (sessions, or the login back-off after failed attempts).</summary>
    ResourceExhausted,

    /// <summary>The operation is not supported by this server.</summary>
    NotSupported,
}

/// <summary>A request the engine refused, with a stable <see cref="Code"/> and a message for the user.</summary>
public sealed class EngineException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EngineException(EngineErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>Why the request was refused.</summary>
    public EngineErrorCode Code { get; }

    /// <summary>When set, the same request may succeed after this long (login back-off).</summary>
    public TimeSpan? RetryAfter { get; init; }

    internal static EngineException NotLoggedIn() => new(EngineErrorCode.NotLoggedIn, "not logged in");

    internal static EngineException Denied(string message) => new(EngineErrorCode.PermissionDenied, message);

    internal static EngineException Invalid(string message) => new(EngineErrorCode.InvalidArgument, message);
}
