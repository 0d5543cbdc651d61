// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Security;

/// <summary>
/// A user as stored in systemdb: every change writes a whole new record, so the user's history is the key's
/// history in a verifiable database. Only the password's bcrypt hash is kept.
/// </summary>
/// <param name="Name">The user name (<see cref="UserNames"/>).</param>
/// <param name="PasswordHash">bcrypt hash of the password.</param>
/// <param name="Active">False once deactivated: the user cannot log in and its sessions and tokens end.</param>
/// <param name="SysAdmin">Whether the user is a server-wide administrator.</param>
/// <param name="Permissions">Permission per database name.</param>
/// <param name="CreatedBy">Who created the user (empty for the built-in admin).</param>
/// <param name="CreatedAt">When the user was created.</param>
public sealed record UserRecord(
    string Name,
    string PasswordHash,
    bool Active,
    bool SysAdmin,
    IReadOnlyDictionary<string, Permission> Permissions,
    string CreatedBy,
    DateTimeOffset CreatedAt)
{
    /// <summary>Privileges granted to the user itself (beside <see cref="Permissions"/> and its roles').</summary>
    public IReadOnlyList<Grant> Grants { get; init; } = [];

    /// <summary>The names of the roles the user holds.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The user's permission on <paramref name="database"/> (sysadmins hold every permission everywhere).</summary>
    public Permission PermissionOn(string database) =>
        SysAdmin ? Permission.SysAdmin : Permissions.GetValueOrDefault(database, Permission.None);
}
