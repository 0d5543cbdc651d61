// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Engine;

/// <summary>An authenticated caller: the user, the database its token or session selected, and its session.</summary>
/// <param name="User">The user name.</param>
/// <param name="Database">The selected database, or null when none is selected yet.</param>
/// <param name="SessionId">The session, when the caller uses session mode.</param>
public sealed record Caller(string User, string? Database, string? SessionId)
{
    /// <summary>How audit records name the session, computed once per session; null without one.</summary>
    public string? SessionReference { get; init; }
}
