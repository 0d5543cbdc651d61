// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Security;

/// <summary>
/// What a user may do, with immudb's numbers (persisted and sent on the wire: never renumber). Per database a
/// user holds <see cref="Read"/>, <see cref="ReadWrite"/> or <see cref="Admin"/>; <see cref="SysAdmin"/> is for
/// the whole server. Each level includes the ones below it, so levels compare by number.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "immudb's own term, kept for its users")]
public enum Permission : uint
{
    /// <summary>No access.</summary>
    None = 0,

    /// <summary>Read keys, history, transactions and proofs of a database.</summary>
    Read = 1,

    /// <summary>Read and write a database.</summary>
    ReadWrite = 2,

    /// <summary>Read, write and manage the users of a database.</summary>
    Admin = 254,

    /// <summary>Everything, on every database, including creating databases.</summary>
    SysAdmin = 255,
}

/// <summary>Names and checks of <see cref="Permission"/> values.</summary>
public static class Permissions
{
    /// <summary>The name used in messages and configuration: read, readwrite, admin, sysadmin.</summary>
    public static string Name(this Permission permission) => permission switch
    {
        Permission.None => "none",
        Permission.Read => "read",
        Permission.ReadWrite => "readwrite",
        Permission.Admin => "admin",
        Permission.SysAdmin => "sysadmin",
        _ => $"unknown ({(uint)permission})",
    };

    /// <summary>Whether <paramref name="held"/> includes <paramref name="required"/>.</summary>
    public static bool Includes(this Permission held, Permission required) => (uint)held >= (uint)required;

    /// <summary>Whether the number is a permission that can be granted on one database (read, readwrite, admin).</summary>
    public static bool IsGrantable(uint value) =>
        value is (uint)Permission.Read or (uint)Permission.ReadWrite or (uint)Permission.Admin;
}
