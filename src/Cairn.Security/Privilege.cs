// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Security;

/// <summary>
/// A right that can be granted to a user or a role. The data privileges (<see cref="Read"/>, <see cref="Write"/>,
/// <see cref="Delete"/>) are granted on a database and a key pattern; the others manage the server and are granted
/// on one database or on every database (<see cref="Grant.AnyDatabase"/>). Persisted by name (<see cref="Privileges.Name"/>);
/// the numbers are the wire values of <c>cairn.security.Privilege</c>: never renumber.
/// </summary>
public enum Privilege
{
    /// <summary>Read keys (Get, Scan, History, …) matching the pattern.</summary>
    Read = 1,

    /// <summary>Write keys (Set, references, sorted sets) matching the pattern.</summary>
    Write = 2,

    /// <summary>Delete keys matching the pattern.</summary>
    Delete = 3,

    /// <summary>Create users.</summary>
    CreateUser = 10,

    /// <summary>Drop users.</summary>
    DropUser = 11,

    /// <summary>Change another user's password.</summary>
    AlterPassword = 12,

    /// <summary>Grant and revoke privileges and roles.</summary>
    Grant = 13,

    /// <summary>Create roles.</summary>
    CreateRole = 14,

    /// <summary>Drop roles.</summary>
    DropRole = 15,

    /// <summary>Create databases.</summary>
    CreateDatabase = 16,

    /// <summary>List users, roles and grants.</summary>
    ListUsers = 17,
}

/// <summary>Names and kinds of <see cref="Privilege"/> values.</summary>
public static class Privileges
{
    /// <summary>Every privilege, in wire order.</summary>
    public static IReadOnlyList<Privilege> All { get; } = Enum.GetValues<Privilege>();

    /// <summary>The name in messages, commands and systemdb: READ, WRITE, DELETE, CREATE_USER, …</summary>
    public static string Name(this Privilege privilege) => privilege switch
    {
        Privilege.Read => "READ",
        Privilege.Write => "WRITE",
        Privilege.Delete => "DELETE",
        Privilege.CreateUser => "CREATE_USER",
        Privilege.DropUser => "DROP_USER",
        Privilege.AlterPassword => "ALTER_PASSWORD",
        Privilege.Grant => "GRANT",
        Privilege.CreateRole => "CREATE_ROLE",
        Privilege.DropRole => "DROP_ROLE",
        Privilege.CreateDatabase => "CREATE_DATABASE",
        Privilege.ListUsers => "LIST_USERS",
        _ => $"UNKNOWN({(int)privilege})",
    };

    /// <summary>The privilege named <paramref name="name"/> (case-insensitive; '-' or '_' between words).</summary>
    public static bool TryParse(string? name, out Privilege privilege)
    {
        string normalized = (name ?? string.Empty).Trim().Replace('-', '_').ToUpperInvariant();
        foreach (var candidate in All)
        {
            if (candidate.Name() == normalized)
            {
                privilege = candidate;
                return true;
            }
        }

        privilege = default;
        return false;
    }

    /// <summary>Whether the privilege is granted on keys (READ, WRITE, DELETE).</summary>
    public static bool IsData(this Privilege privilege) => privilege is Privilege.Read or Privilege.Write or Privilege.Delete;

    /// <summary>Whether the privilege only makes sense server-wide (roles and databases are not inside a database).</summary>
    public static bool IsServerWide(this Privilege privilege) =>
        privilege is Privilege.CreateRole or Privilege.DropRole or Privilege.CreateDatabase;

    /// <summary>Whether <paramref name="value"/> is a defined privilege.</summary>
    public static bool IsDefined(int value) => Enum.IsDefined((Privilege)value);
}
