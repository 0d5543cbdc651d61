// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using SecurityWire = Cairn.Protocol.Security;

namespace Cairn.Client;

/// <summary>Roles and key-path privileges (Cairn's <c>cairn.security.SecurityService</c>; not in immudb).</summary>
public sealed partial class CairnClient
{
    private SecurityWire.SecurityService.SecurityServiceClient? _security;

    private SecurityWire.SecurityService.SecurityServiceClient Security => _security ??= new(_channel);

    /// <summary>Creates a user that can do nothing until granted privileges or roles.</summary>
    public Task CreateUserWithoutAccessAsync(string user, string password, CancellationToken cancellationToken = default) =>
        CallAsync(o => Security.CreateUserAsync(new SecurityWire.CreateUserRequest { User = user, Password = password }, o), cancellationToken);

    /// <summary>Drops a user: its sessions and tokens end at once; its history stays in systemdb.</summary>
    public Task DropUserAsync(string user, CancellationToken cancellationToken = default) =>
        CallAsync(o => Security.DropUserAsync(new SecurityWire.DropUserRequest { User = user }, o), cancellationToken);

    /// <summary>The character that splits the keys of <paramref name="database"/> into segments for key patterns.</summary>
    public async Task<char> GetKeySeparatorAsync(string database, CancellationToken cancellationToken = default) =>
        (await CallAsync(o => Security.GetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = database }, o), cancellationToken).ConfigureAwait(false)).Separator[0];

    /// <summary>Sets the key separator of <paramref name="database"/> (refused while grants there use key patterns other than <c>**</c>).</summary>
    public Task SetKeySeparatorAsync(string database, char separator, CancellationToken cancellationToken = default) =>
        CallAsync(o => Security.SetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = database, Separator = separator.ToString() }, o), cancellationToken);

    /// <summary>Creates an empty role.</summary>
    public Task CreateRoleAsync(string role, CancellationToken cancellationToken = default) =>
        CallAsync(o => Security.CreateRoleAsync(new SecurityWire.RoleRequest { Role = role }, o), cancellationToken);

    /// <summary>Drops a role; its members lose it at once.</summary>
    public Task DropRoleAsync(string role, CancellationToken cancellationToken = default) =>
        CallAsync(o => Security.DropRoleAsync(new SecurityWire.RoleRequest { Role = role }, o), cancellationToken);

    /// <summary>Every role with its grants and members.</summary>
    public async Task<IReadOnlyList<CairnRole>> ListRolesAsync(CancellationToken cancellationToken = default) =>
        [.. (await CallAsync(o => Security.ListRolesAsync(new SecurityWire.ListRolesRequest(), o), cancellationToken).ConfigureAwait(false)).Roles
            .Select(r => new CairnRole(r.Name, [.. r.Grants.Select(g => ToGrant(g, "role:" + r.Name))], [.. r.Members]))];

    /// <summary>The roles of <paramref name="user"/>.</summary>
    public async Task<IReadOnlyList<string>> ListUserRolesAsync(string user, CancellationToken cancellationToken = default) =>
        [.. (await CallAsync(o => Security.ListRolesAsync(new SecurityWire.ListRolesRequest { User = user }, o), cancellationToken).ConfigureAwait(false)).Roles.Select(r => r.Name)];

    /// <summary>Gives <paramref name="role"/> to <paramref name="user"/>, or takes it back.</summary>
    public Task ChangeRoleMembershipAsync(string role, string user, bool grant = true, CancellationToken cancellationToken = default) =>
        CallAsync(o => grant
            ? Security.GrantRoleAsync(new SecurityWire.RoleMembershipRequest { Role = role, User = user }, o)
            : Security.RevokeRoleAsync(new SecurityWire.RoleMembershipRequest { Role = role, User = user }, o), cancellationToken);

    /// <summary>
    /// Grants or revokes <paramref name="privilege"/> (READ, WRITE, DELETE, CREATE_USER, …) on <paramref name="database"/>
    /// ("*" for every database) and, for data privileges, the key <paramref name="pattern"/> (null: <c>**</c>), to exactly
    /// one of <paramref name="user"/> or <paramref name="role"/>.
    /// </summary>
    public Task ChangeGrantAsync(string privilege, string database, string? pattern, string? user, string? role, bool grant = true, CancellationToken cancellationToken = default)
    {
        if ((user is null) == (role is null))
        {
            throw new ArgumentException("name either a user or a role");
        }

        var request = new SecurityWire.GrantRequest { Grant = new SecurityWire.Grant { Privilege = ParsePrivilege(privilege), Database = database, Pattern = pattern ?? string.Empty } };
        if (user is not null)
        {
            request.User = user;
        }
        else
        {
            request.Role = role!;
        }

        return CallAsync(o => grant ? Security.GrantAsync(request, o) : Security.RevokeAsync(request, o), cancellationToken);
    }

    /// <summary>
    /// The grants of exactly one of <paramref name="user"/> or <paramref name="role"/>; with <paramref name="effective"/>,
    /// a user's also include those of its roles and immudb permissions.
    /// </summary>
    public async Task<IReadOnlyList<CairnGrant>> ListGrantsAsync(string? user, string? role, bool effective = false, CancellationToken cancellationToken = default)
    {
        if ((user is null) == (role is null))
        {
            throw new ArgumentException("name either a user or a role");
        }

        var request = new SecurityWire.ListGrantsRequest { Effective = effective };
        if (user is not null)
        {
            request.User = user;
        }
        else
        {
            request.Role = role!;
        }

        var reply = await CallAsync(o => Security.ListGrantsAsync(request, o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Grants.Select(g => ToGrant(g.Grant, g.Source))];
    }

    // READ, create_user, CREATE-USER, CreateUser: the wire enum's names without the PRIVILEGE_ prefix.
    private static SecurityWire.Privilege ParsePrivilege(string privilege) =>
        Enum.TryParse<SecurityWire.Privilege>(privilege.Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var parsed)
            && parsed != SecurityWire.Privilege.Unspecified && Enum.IsDefined(parsed)
            ? parsed
            : throw new ArgumentException($"unknown privilege '{privilege}'; one of {string.Join(", ", CairnPrivileges.All)}", nameof(privilege));

    private static CairnGrant ToGrant(SecurityWire.Grant grant, string source) =>
        new(CairnPrivileges.Name(grant.Privilege), grant.Database, grant.Pattern, source);
}

/// <summary>A granted privilege.</summary>
/// <param name="Privilege">READ, WRITE, DELETE, CREATE_USER, DROP_USER, ALTER_PASSWORD, GRANT, CREATE_ROLE, DROP_ROLE, CREATE_DATABASE or LIST_USERS.</param>
/// <param name="Database">The database, or "*" for every database (the server, for management privileges).</param>
/// <param name="Pattern">The key pattern of a data privilege; empty for management privileges.</param>
/// <param name="Source">"user", "role:NAME", "permission:LEVEL" or "sysadmin".</param>
public sealed record CairnGrant(string Privilege, string Database, string Pattern, string Source);

/// <summary>A role.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Grants">What its members hold through it.</param>
/// <param name="Members">The users holding it.</param>
public sealed record CairnRole(string Name, IReadOnlyList<CairnGrant> Grants, IReadOnlyList<string> Members);

/// <summary>The names of the privileges.</summary>
public static class CairnPrivileges
{
    /// <summary>Every privilege name.</summary>
    public static IReadOnlyList<string> All { get; } =
        ["READ", "WRITE", "DELETE", "CREATE_USER", "DROP_USER", "ALTER_PASSWORD", "GRANT", "CREATE_ROLE", "DROP_ROLE", "CREATE_DATABASE", "LIST_USERS"];

    internal static string Name(SecurityWire.Privilege privilege) =>
        All.FirstOrDefault(n => string.Equals(n.Replace("_", string.Empty, StringComparison.Ordinal), privilege.ToString(), StringComparison.OrdinalIgnoreCase)) ?? privilege.ToString();
}
