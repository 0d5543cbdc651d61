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

    /// <summary>
    /// A holder of <see cref="MethodRule.Privilege"/> on the server or on some database; the handler checks the
    /// exact scope the request names.
    /// </summary>
    Privileged,
}

/// <summary>The rule of one method.</summary>
/// <param name="Kind">What kind of caller is needed.</param>
/// <param name="Minimum">For <see cref="AccessKind.Database"/>: the least permission on the selected database.</param>
/// <param name="OnSystemDatabase">Whether a sysadmin may call it with systemdb selected (read-only verification).</param>
/// <param name="Privilege">For <see cref="AccessKind.Privileged"/>: the management privilege needed.</param>
public sealed record MethodRule(AccessKind Kind, Permission Minimum = Permission.None, bool OnSystemDatabase = false, Privilege? Privilege = null)
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
/// The one table of who may call what, for every method of <c>immudb.schema.ImmuService</c> (<see cref="Rules"/>)
/// and of Cairn's <c>cairn.security.SecurityService</c> (<see cref="SecurityRules"/>). The interceptor refuses any
/// method missing here, so a new method cannot be served before it has a rule.
/// </summary>
/// <remarks>
/// Data methods pass the table with a database permission, or with a READ (reads) or WRITE/DELETE (writes) grant on
/// some keys of the selected database; the handler then checks the keys it touches (key-level privileges).
/// </remarks>
public static class MethodPermissions
{
    /// <summary>The full name of immudb's service.</summary>
    public const string ImmuService = "immudb.schema.ImmuService";

    /// <summary>The full name of Cairn's security service.</summary>
    public const string SecurityService = "cairn.security.SecurityService";

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
        // ChangePassword: one's own, or another's with ALTER_PASSWORD; ListUsers: oneself, or more with LIST_USERS.
        ["ChangePassword"] = LoggedIn,
        ["ListUsers"] = LoggedIn,
        ["ServerInfo"] = LoggedIn,

        // User administration (the handler also checks the target database: CREATE_USER and GRANT on it).
        ["CreateUser"] = new(AccessKind.Privileged, Privilege: Security.Privilege.CreateUser),
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
        ["CreateDatabase"] = new(AccessKind.Privileged, Privilege: Security.Privilege.CreateDatabase),
        ["CreateDatabaseV2"] = new(AccessKind.Privileged, Privilege: Security.Privilege.CreateDatabase),
        ["UpdateAuthConfig"] = SysAdmin,
        ["UpdateMTLSConfig"] = SysAdmin,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Method name → rule, for <c>cairn.security.SecurityService</c>.</summary>
    public static FrozenDictionary<string, MethodRule> SecurityRules { get; } = new Dictionary<string, MethodRule>(StringComparer.Ordinal)
    {
        ["CreateUser"] = new(AccessKind.Privileged, Privilege: Security.Privilege.CreateUser),
        ["DropUser"] = new(AccessKind.Privileged, Privilege: Security.Privilege.DropUser),
        ["CreateRole"] = new(AccessKind.Privileged, Privilege: Security.Privilege.CreateRole),
        ["DropRole"] = new(AccessKind.Privileged, Privilege: Security.Privilege.DropRole),
        ["GrantRole"] = new(AccessKind.Privileged, Privilege: Security.Privilege.Grant),
        ["RevokeRole"] = new(AccessKind.Privileged, Privilege: Security.Privilege.Grant),
        ["Grant"] = new(AccessKind.Privileged, Privilege: Security.Privilege.Grant),
        ["Revoke"] = new(AccessKind.Privileged, Privilege: Security.Privilege.Grant),

        // Anyone may list its own roles and grants; the handler asks LIST_USERS for anyone else's.
        ["ListRoles"] = LoggedIn,
        ["ListGrants"] = LoggedIn,

        // Reading needs access to the database (checked by the handler); setting needs GRANT on it.
        ["GetKeySeparator"] = LoggedIn,
        ["SetKeySeparator"] = new(AccessKind.Privileged, Privilege: Security.Privilege.Grant),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The rule of a call by its gRPC path (<c>/package.Service/Method</c>), or null when it has none.</summary>
    public static MethodRule? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        int slash = path.LastIndexOf('/');
        string service = path[..Math.Max(slash, 0)].TrimStart('/');
        string method = path[(slash + 1)..];
        var table = service switch
        {
            ImmuService => Rules,
            SecurityService => SecurityRules,
            _ => null,
        };
        return table is not null && table.TryGetValue(method, out var rule) ? rule : null;
    }
}
