// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;

namespace Cairn.Engine;

/// <summary>
/// Roles and grants. Every change is one durable systemdb transaction, made under the same write lock as user
/// changes, before it takes effect; the next request of every session of every affected user sees it.
/// </summary>
public sealed partial class AccessManager
{
    /// <summary>Creates a user that can do nothing until granted something (needs CREATE_USER on the server or a database).</summary>
    public async Task CreateUserWithoutAccessAsync(Caller caller, string name, string password, CancellationToken cancellationToken = default)
    {
        var actor = RequireManagement(caller, Privilege.CreateUser, database: null, anywhere: true, "CreateUser");
        if (UserNames.Validate(name) is { } error)
        {
            throw EngineException.Invalid(error);
        }

        if (!PasswordPolicy.IsStrong(password))
        {
            throw EngineException.Invalid(PasswordPolicy.Rule);
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Find(name) is not null)
            {
                throw new EngineException(EngineErrorCode.AlreadyExists, "user already exists");
            }

            var user = new UserRecord(name, PasswordHasher.Hash(password), Active: true, SysAdmin: false,
                new Dictionary<string, Permission>(StringComparer.Ordinal), actor.Name, _options.Time.GetUtcNow());
            await SaveAsync(user, cancellationToken).ConfigureAwait(false);
            EngineLog.UserCreated(_logger, name, actor.Name);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Creates an empty role (needs CREATE_ROLE on the server).</summary>
    public async Task CreateRoleAsync(Caller caller, string name, CancellationToken cancellationToken = default)
    {
        var actor = RequireManagement(caller, Privilege.CreateRole, database: null, anywhere: false, "CreateRole");
        if (RoleNames.Validate(name) is { } error)
        {
            throw EngineException.Invalid(error);
        }

        await ChangeAsync(() =>
        {
            if (FindRole(name) is not null)
            {
                throw new EngineException(EngineErrorCode.AlreadyExists, $"role '{name}' already exists");
            }

            return ([], [new RoleRecord(name, [], actor.Name, _options.Time.GetUtcNow())], []);
        }, cancellationToken).ConfigureAwait(false);
        EngineLog.UserChanged(_logger, "role:" + name, actor.Name, "created");
    }

    /// <summary>Drops a role and takes it from every member in the same transaction (needs DROP_ROLE on the server).</summary>
    public async Task DropRoleAsync(Caller caller, string name, CancellationToken cancellationToken = default)
    {
        var actor = RequireManagement(caller, Privilege.DropRole, database: null, anywhere: false, "DropRole");
        await ChangeAsync(() =>
        {
            var role = FindRole(name) ?? throw RoleNotFound(name);
            List<UserRecord> members;
            lock (_gate)
            {
                members = [.. _users.Values.Where(u => u.Roles.Contains(name, StringComparer.Ordinal))];
            }

            return ([.. members.Select(u => u with { Roles = [.. u.Roles.Where(r => r != name)] })], [], [role]);
        }, cancellationToken).ConfigureAwait(false);
        EngineLog.UserChanged(_logger, "role:" + name, actor.Name, "dropped");
    }

    /// <summary>Every role with its grants and members (needs LIST_USERS on the server or a database).</summary>
    public IReadOnlyList<(RoleRecord Role, IReadOnlyList<string> Members)> ListRoles(Caller caller)
    {
        RequireManagement(caller, Privilege.ListUsers, database: null, anywhere: true, "ListRoles");
        lock (_gate)
        {
            return [.. _roles.Values.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => (r,
                (IReadOnlyList<string>)[.. _users.Values.Where(u => u.Roles.Contains(r.Name, StringComparer.Ordinal)).Select(u => u.Name).Order(StringComparer.Ordinal)]))];
        }
    }

    /// <summary>The roles of a user: anyone may list its own, LIST_USERS lists anyone's.</summary>
    public IReadOnlyList<string> ListUserRoles(Caller caller, string userName)
    {
        var target = RequireSelfOrLister(caller, userName, "ListRoles");
        return [.. target.Roles.Order(StringComparer.Ordinal)];
    }

    /// <summary>Gives a role to a user, or takes it back (needs GRANT on the server: a role may carry grants on any database).</summary>
    public async Task ChangeRoleMembershipAsync(Caller caller, bool grant, string roleName, string userName, CancellationToken cancellationToken = default)
    {
        string operation = grant ? "GrantRole" : "RevokeRole";
        var actor = RequireManagement(caller, Privilege.Grant, database: null, anywhere: false, operation);
        RequireNotSelf(actor, userName);
        await ChangeAsync(() =>
        {
            _ = FindRole(roleName) ?? throw RoleNotFound(roleName);
            var user = Find(userName) ?? throw new EngineException(EngineErrorCode.NotFound, "user not found");
            bool member = user.Roles.Contains(roleName, StringComparer.Ordinal);
            if (grant == member)
            {
                return grant ? ([], [], []) : throw new EngineException(EngineErrorCode.NotFound, $"user '{userName}' does not have role '{roleName}'");
            }

            var changed = user with { Roles = grant ? [.. user.Roles, roleName] : [.. user.Roles.Where(r => r != roleName)] };
            return ([changed], [], []);
        }, cancellationToken).ConfigureAwait(false);
        EngineLog.UserChanged(_logger, userName, actor.Name, grant ? $"given role {roleName}" : $"role {roleName} taken back");
    }

    /// <summary>
    /// Grants or revokes a privilege to a user or a role. Needs GRANT on the grant's database (on the server for a
    /// grant on every database); management privileges of the server itself can only be granted server-wide.
    /// </summary>
    public async Task ChangeGrantAsync(Caller caller, bool grant, Grant what, string? userName, string? roleName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(what);
        string operation = grant ? "Grant" : "Revoke";
        var normalized = Normalize(what);
        var actor = RequireManagement(caller, Privilege.Grant, normalized.Database == Grant.AnyDatabase ? null : normalized.Database, anywhere: false, operation);
        if ((userName is null) == (roleName is null))
        {
            throw EngineException.Invalid("name either a user or a role");
        }

        if (userName is not null)
        {
            RequireNotSelf(actor, userName);
            if (userName == UserNames.Admin)
            {
                throw EngineException.Denied($"the privileges of '{UserNames.Admin}' cannot be changed");
            }
        }

        await ChangeAsync(() =>
        {
            IReadOnlyList<Grant> current;
            if (userName is not null)
            {
                current = (Find(userName) ?? throw new EngineException(EngineErrorCode.NotFound, "user not found")).Grants;
            }
            else
            {
                current = (FindRole(roleName!) ?? throw RoleNotFound(roleName!)).Grants;
            }

            bool held = current.Contains(normalized);
            if (grant == held)
            {
                return grant ? ([], [], []) : throw new EngineException(EngineErrorCode.NotFound, $"no such grant: {normalized}");
            }

            IReadOnlyList<Grant> changed = grant ? [.. current, normalized] : [.. current.Where(g => g != normalized)];
            return userName is not null
                ? ([Find(userName)! with { Grants = changed }], [], [])
                : ([], [FindRole(roleName!)! with { Grants = changed }], []);
        }, cancellationToken).ConfigureAwait(false);
        EngineLog.UserChanged(_logger, userName ?? "role:" + roleName, actor.Name, $"{(grant ? "granted" : "revoked")} {normalized}");
    }

    /// <summary>
    /// The grants of a user (with <paramref name="effective"/>: also those from its roles and immudb permissions) or
    /// of a role. Anyone may list its own; LIST_USERS lists others'.
    /// </summary>
    public IReadOnlyList<EffectiveGrant> ListGrants(Caller caller, string? userName, string? roleName, bool effective)
    {
        if ((userName is null) == (roleName is null))
        {
            throw EngineException.Invalid("name either a user or a role");
        }

        if (roleName is not null)
        {
            RequireManagement(caller, Privilege.ListUsers, database: null, anywhere: true, "ListGrants");
            var role = FindRole(roleName) ?? throw RoleNotFound(roleName);
            return [.. role.Grants.Select(g => new EffectiveGrant(g, "role:" + role.Name))];
        }

        var target = RequireSelfOrLister(caller, userName!, "ListGrants");
        return effective ? RightsOf(target).Grants : [.. target.Grants.Select(g => new EffectiveGrant(g, "user"))];
    }

    /// <summary>Refuses unless the caller holds <paramref name="privilege"/> on the server or on some database.</summary>
    public UserRecord RequirePrivilegeSomewhere(Caller caller, Privilege privilege, string operation) =>
        RequireManagement(caller, privilege, database: null, anywhere: true, operation);

    // Checks a management privilege: on the database (or the server when null), or with anywhere on any scope
    // (the operation then narrows what it shows or changes).
    private UserRecord RequireManagement(Caller caller, Privilege privilege, string? database, bool anywhere, string operation)
    {
        var user = CurrentUser(caller);
        var rights = RightsOf(user);
        if (anywhere ? rights.HoldsAnywhere(privilege) : rights.Holds(privilege, database))
        {
            return user;
        }

        string scope = anywhere ? "on the server or a database" : database is null ? "on the server" : $"on database '{database}'";
        throw EngineException.Denied($"permission denied: {operation} requires the {privilege.Name()} privilege {scope} (user '{user.Name}' does not hold it)");
    }

    private UserRecord RequireSelfOrLister(Caller caller, string userName, string operation)
    {
        var actor = CurrentUser(caller);
        if (actor.Name != userName)
        {
            RequireManagement(caller, Privilege.ListUsers, database: null, anywhere: true, operation);
        }

        return Find(userName) ?? throw new EngineException(EngineErrorCode.NotFound, "user not found");
    }

    private static void RequireNotSelf(UserRecord actor, string userName)
    {
        if (actor.Name == userName)
        {
            throw EngineException.Denied("changing your own privileges is not allowed");
        }
    }

    // Checks the privilege, database and pattern, and writes the pattern the way every later check reads it.
    private Grant Normalize(Grant grant)
    {
        if (!Enum.IsDefined(grant.Privilege))
        {
            throw EngineException.Invalid("unknown privilege; one of " + string.Join(", ", Privileges.All.Select(p => p.Name())));
        }

        string database = string.IsNullOrEmpty(grant.Database) ? throw EngineException.Invalid("database is required ('*' for every database)") : grant.Database.ToLowerInvariant();
        if (database != Grant.AnyDatabase && (database == DatabaseNames.System || _databases.Find(database) is null))
        {
            throw new EngineException(EngineErrorCode.NotFound, $"database '{database}' does not exist");
        }

        if (!grant.Privilege.IsData())
        {
            if (grant.Privilege.IsServerWide() && database != Grant.AnyDatabase)
            {
                throw EngineException.Invalid($"{grant.Privilege.Name()} can only be granted on the server (database '*')");
            }

            if (!string.IsNullOrEmpty(grant.Pattern) && grant.Pattern != Grant.AllKeys)
            {
                throw EngineException.Invalid($"{grant.Privilege.Name()} is not granted on keys; leave the key pattern out");
            }

            return new Grant(grant.Privilege, database, Grant.AllKeys);
        }

        char separator = database == Grant.AnyDatabase ? KeyPattern.DefaultSeparator : SeparatorOf(database);
        return KeyPattern.TryParse(grant.Pattern, separator, out var pattern, out string? error)
            ? new Grant(grant.Privilege, database, pattern.Text)
            : throw EngineException.Invalid(error);
    }

    private RoleRecord? FindRole(string name)
    {
        lock (_gate)
        {
            return _roles.GetValueOrDefault(name);
        }
    }

    private static EngineException RoleNotFound(string name) => new(EngineErrorCode.NotFound, $"role '{name}' does not exist");

    // Under the write lock: decide what to write from the current state, write it in one transaction, then publish.
    private async Task ChangeAsync(Func<(List<UserRecord> Users, List<RoleRecord> Roles, List<RoleRecord> Dropped)> decide, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (users, roles, dropped) = decide();
            if (users.Count + roles.Count + dropped.Count == 0)
            {
                return;
            }

            await _databases.Catalog.SaveAsync(users, roles, dropped, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                foreach (var user in users)
                {
                    _users[user.Name] = user;
                }

                foreach (var role in roles)
                {
                    _roles[role.Name] = role;
                }

                foreach (var role in dropped)
                {
                    _roles.Remove(role.Name);
                }

                // Role changes reach every member: drop every cached set of rights.
                if (roles.Count + dropped.Count > 0)
                {
                    _rights.Clear();
                }
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
