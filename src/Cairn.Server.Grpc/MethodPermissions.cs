// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections.Frozen;
using Cairn.Security;

namespace Cairn.Server.Grpc;

/// <summary>What a method needs from its caller.</summary>
public enum AccessKind
{
    /// <summary>Nothing: callable before logging in.</summary>
    Anonymous,

    /// <summary>A logged-in user (token or session), no database needed.</summary>
    LoggedIn,

    /// <summary>A sysadmin, or an admin of the selected database (user administration).</summary>
    UserAdmin,

    /// <summary>At least <see cref="MethodRule.Minimum"/> on the selected database.</summary>
    Database,

    /// <summary>A sysadmin.</summary>
    SysAdmin,
}

/// <summary>The rule of one method.</summary>
/// <param name="Kind">What kind of caller is needed.</param>
/// <param name="Minimum">For <see cref="AccessKind.Database"/>: the least permission on the selected database.</param>
/// <param name="OnSystemDatabase">Whether a sysadmin may call it with systemdb selected (read-only verification).</param>
public sealed record MethodRule(AccessKind Kind, Permission Minimum = Permission.None, bool OnSystemDatabase = false)
{
    /// <summary>The least permission that passes, as the permission test walks it.</summary>
    public Permission Required => Kind switch
    {
        AccessKind.Database => Minimum,
        AccessKind.UserAdmin => Permission.Admin,
        AccessKind.SysAdmin => Permission.SysAdmin,
        _ => Permission.None,
    };
}

/// <summary>
/// The one table of who may call what, for every method of <c>immudb.schema.ImmuService</c>. The interceptor
/// refuses any method missing here, so a new method cannot be served before it has a rule.
/// </summary>
public static class MethodPermissions
{
    private static readonly MethodRule Anonymous = new(AccessKind.Anonymous);
    private static readonly MethodRule LoggedIn = new(AccessKind.LoggedIn);
    private static readonly MethodRule UserAdmin = new(AccessKind.UserAdmin);
    private static readonly MethodRule SysAdmin = new(AccessKind.SysAdmin);
    private static readonly MethodRule Read = new(AccessKind.Database, Permission.Read);
    private static readonly MethodRule ReadVerifiable = new(AccessKind.Database, Permission.Read, OnSystemDatabase: true);
    private static readonly MethodRule ReadWrite = new(AccessKind.Database, Permission.ReadWrite);
    private static readonly MethodRule DatabaseAdmin = new(AccessKind.Database, Permission.Admin);

    /// <summary>Method name (as in the .proto) → rule.</summary>
    public static FrozenDictionary<string, MethodRule> Rules { get; } = new Dictionary<string, MethodRule>(StringComparer.Ordinal)
    {
        // Before login.
        ["Login"] = Anonymous,
        ["OpenSession"] = Anonymous,
        ["Health"] = Anonymous,

        // Any logged-in user; the handler narrows what each one sees or changes.
        ["Logout"] = LoggedIn,
        ["CloseSession"] = LoggedIn,
        ["KeepAlive"] = LoggedIn,
        ["UseDatabase"] = LoggedIn,
        ["DatabaseList"] = LoggedIn,
        ["DatabaseListV2"] = LoggedIn,
        ["ChangePassword"] = LoggedIn,
        ["ListUsers"] = LoggedIn,
        ["ServerInfo"] = LoggedIn,

        // User administration (the handler also checks admin on the target database).
        ["CreateUser"] = UserAdmin,
        ["ChangePermission"] = UserAdmin,
        ["SetActiveUser"] = UserAdmin,

        // Reads of the selected database.
        ["Get"] = Read,
        ["VerifiableGet"] = Read,
        ["GetAll"] = Read,
        ["Scan"] = Read,
        ["Count"] = Read,
        ["CountAll"] = Read,
        ["History"] = Read,
        ["ZScan"] = Read,
        ["TxById"] = ReadVerifiable,
        ["VerifiableTxById"] = ReadVerifiable,
        ["TxScan"] = ReadVerifiable,
        ["CurrentState"] = ReadVerifiable,
        ["DatabaseHealth"] = Read,
        ["UseSnapshot"] = Read,
        ["SQLQuery"] = Read,
        ["UnarySQLQuery"] = Read,
        ["ListTables"] = Read,
        ["DescribeTable"] = Read,

        // Writes to the selected database.
        ["Set"] = ReadWrite,
        ["VerifiableSet"] = ReadWrite,
        ["Delete"] = ReadWrite,
        ["ExecAll"] = ReadWrite,
        ["SetReference"] = ReadWrite,
        ["VerifiableSetReference"] = ReadWrite,
        ["ZAdd"] = ReadWrite,
        ["VerifiableZAdd"] = ReadWrite,
        ["SQLExec"] = ReadWrite,

        // Maintenance of the selected database.
        ["CompactIndex"] = DatabaseAdmin,

        // The whole server.
        ["CreateDatabase"] = SysAdmin,
        ["CreateDatabaseV2"] = SysAdmin,
        ["UpdateAuthConfig"] = SysAdmin,
        ["UpdateMTLSConfig"] = SysAdmin,
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
