// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Security;

/// <summary>
/// One granted privilege. Data privileges apply to the keys of <paramref name="Database"/> matching
/// <paramref name="Pattern"/>; management privileges ignore the pattern (always <see cref="AllKeys"/>) and apply to
/// that database's users, or to the whole server when <paramref name="Database"/> is <see cref="AnyDatabase"/>.
/// </summary>
/// <param name="Privilege">What is granted.</param>
/// <param name="Database">The database name, or <see cref="AnyDatabase"/>.</param>
/// <param name="Pattern">The key pattern (<see cref="KeyPattern"/> text, in the database's separator).</param>
public sealed record Grant(Privilege Privilege, string Database, string Pattern)
{
    /// <summary>The database name that stands for every database.</summary>
    public const string AnyDatabase = "*";

    /// <summary>The pattern that matches every key.</summary>
    public const string AllKeys = "**";

    /// <summary>Whether the grant applies to <paramref name="database"/>.</summary>
    public bool AppliesTo(string database) => Database == AnyDatabase || string.Equals(Database, database, StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Privilege.IsData()
        ? $"{Privilege.Name()} on '{Pattern}' in {(Database == AnyDatabase ? "every database" : $"database '{Database}'")}"
        : $"{Privilege.Name()} on {(Database == AnyDatabase ? "the server" : $"database '{Database}'")}";
}

/// <summary>A grant together with where the holder got it from, as listed.</summary>
/// <param name="Grant">The grant.</param>
/// <param name="Source">"user" (granted directly), "role:NAME", "permission:LEVEL" (an immudb permission) or "sysadmin".</param>
public sealed record EffectiveGrant(Grant Grant, string Source);
