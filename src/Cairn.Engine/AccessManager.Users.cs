// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;

namespace Cairn.Engine;

/// <summary>User administration: every change is a durable systemdb transaction before it takes effect.</summary>
public sealed partial class AccessManager
{
    /// <summary>
    /// The users the caller may see: LIST_USERS on the server (a sysadmin) lists all; LIST_USERS on databases (an
    /// admin permission gives it on its database) lists the users who have access to one of them; anyone else
    /// sees only itself.
    /// </summary>
    public IReadOnlyList<UserRecord> ListUsers(Caller caller)
    {
        var user = CurrentUser(caller);
        var rights = RightsOf(user);
        List<UserRecord> all;
        lock (_gate)
        {
            all = [.. _users.Values];
        }

        IEnumerable<UserRecord> visible = all;
        if (!rights.Holds(Privilege.ListUsers, null))
        {
            var databases = rights.Grants.Where(g => g.Grant.Privilege == Privilege.ListUsers).Select(g => g.Grant.Database).ToHashSet(StringComparer.Ordinal);
            visible = all.Where(u => u.Name == user.Name || databases.Any(d => MayUse(u, d)));
        }

        return [.. visible.OrderBy(u => u.CreatedAt).ThenBy(u => u.Name, StringComparer.Ordinal)];
    }

    /// <summary>Creates a user with one permission on one database (sysadmin, or admin of that database).</summary>
    public async Task CreateUserAsync(Caller caller, string name, string password, uint permission, string database, CancellationToken cancellationToken = default)
    {
        var actor = CurrentUser(caller);
        if (string.IsNullOrEmpty(database))
        {
            throw EngineException.Invalid("database name is required");
        }

        // The new user gets a permission on the database at once: creating it is also granting.
        var rights = RightsOf(actor);
        if (!rights.Holds(Privilege.CreateUser, database) || !rights.Holds(Privilege.Grant, database))
        {
            throw EngineException.Denied($"permission denied: CreateUser with a permission on database '{database}' requires the CREATE_USER and GRANT privileges on it (an admin permission there gives both)");
        }

        if (!UserNames.IsValid(name))
        {
            throw EngineException.Invalid($"username can only contain letters, digits and underscores (1 to {UserNames.MaxLength} characters)");
        }

        if (!PasswordPolicy.IsStrong(password))
        {
            throw EngineException.Invalid(PasswordPolicy.Rule);
        }

        if (permission == (uint)Permission.SysAdmin)
        {
            throw EngineException.Invalid("can not create another system admin");
        }

        if (!Permissions.IsGrantable(permission))
        {
            throw EngineException.Invalid("unrecognized permission");
        }

        RequireGrantableOnAudit(database, permission);

        if (_databases.Find(database) is null)
        {
            throw new EngineException(EngineErrorCode.NotFound, $"database '{database}' does not exist");
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                if (_users.ContainsKey(name))
                {
                    throw new EngineException(EngineErrorCode.AlreadyExists, "user already exists");
                }
            }

            var user = new UserRecord(name, PasswordHasher.Hash(password), Active: true, SysAdmin: false,
                new Dictionary<string, Permission>(StringComparer.Ordinal) { [database] = (Permission)permission },
                actor.Name, _options.Time.GetUtcNow());
            await SaveAsync(user, cancellationToken).ConfigureAwait(false);
            EngineLog.UserCreated(_logger, name, actor.Name);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Changes a password. Users change their own (old password required); a holder of ALTER_PASSWORD over the
    /// user (<see cref="Manages"/>), or an admin who created the user, changes another's (only the admin itself may change the admin's). Ends every token and session
    /// of the user, the caller's own included: whoever knew the old password is logged out everywhere.
    /// </summary>
    public async Task ChangePasswordAsync(Caller caller, string name, string oldPassword, string newPassword, CancellationToken cancellationToken = default)
    {
        var actor = CurrentUser(caller);
        bool self = string.Equals(actor.Name, name, StringComparison.Ordinal);
        var target = Find(name) ?? throw new EngineException(EngineErrorCode.NotFound, "user not found");
        if (self || target.Name == UserNames.Admin)
        {
            if (!self)
            {
                throw EngineException.Denied($"permission denied: only '{UserNames.Admin}' can change its own password");
            }

            if (!PasswordHasher.Verify(oldPassword, target.PasswordHash))
            {
                throw EngineException.Denied("old password is incorrect");
            }
        }
        else if (!Manages(actor, Privilege.AlterPassword, target) && !(IsAdminSomewhere(actor) && target.CreatedBy == actor.Name))
        {
            throw EngineException.Denied($"permission denied: changing the password of user '{name}' requires the ALTER_PASSWORD privilege on the server or on every database the user has access to, or admin permission as the user's creator");
        }

        if (!PasswordPolicy.IsStrong(newPassword))
        {
            throw EngineException.Invalid(PasswordPolicy.Rule);
        }

        await UpdateAsync(name, u => u with { PasswordHash = PasswordHasher.Hash(newPassword) }, cancellationToken).ConfigureAwait(false);
        if (name == UserNames.Admin)
        {
            _adminHasDefaultPassword = newPassword == UserNames.DefaultAdminPassword;
        }

        _tokens.RevokeAll(name);
        _sessions.CloseAllOf(name);
        EngineLog.UserChanged(_logger, name, actor.Name, "password changed");
    }

    /// <summary>Grants (replacing any earlier one) or revokes a user's permission on a database.</summary>
    public async Task ChangePermissionAsync(Caller caller, bool grant, string name, string database, uint permission, CancellationToken cancellationToken = default)
    {
        var actor = CurrentUser(caller);
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(database))
        {
            throw EngineException.Invalid("username and database are required");
        }

        if (name == actor.Name)
        {
            throw EngineException.Denied("changing your own permissions is not allowed");
        }

        if (name == UserNames.Admin)
        {
            throw EngineException.Denied($"the permissions of '{UserNames.Admin}' cannot be changed");
        }

        if (grant && !Permissions.IsGrantable(permission))
        {
            throw EngineException.Invalid("unrecognized permission");
        }

        if (grant)
        {
            RequireGrantableOnAudit(database, permission);
        }

        if (!actor.SysAdmin && actor.PermissionOn(database) != Permission.Admin)
        {
            throw EngineException.Denied($"permission denied: ChangePermission requires the admin permission on database '{database}' or sysadmin");
        }

        var target = Find(name) ?? throw new EngineException(EngineErrorCode.NotFound, "user not found");
        if (!target.Active)
        {
            throw new EngineException(EngineErrorCode.FailedPrecondition, "user is not active");
        }

        await UpdateAsync(name, u =>
        {
            var permissions = new Dictionary<string, Permission>(u.Permissions, StringComparer.Ordinal);
            if (grant)
            {
                permissions[database] = (Permission)permission;
            }
            else
            {
                permissions.Remove(database);
            }

            return u with { Permissions = permissions };
        }, cancellationToken).ConfigureAwait(false);
        EngineLog.UserChanged(_logger, name, actor.Name, grant ? $"granted {((Permission)permission).Name()} on {database}" : $"revoked on {database}");
    }

    /// <summary>Activates or deactivates a user; deactivation ends its tokens and sessions at once.</summary>
    public async Task SetActiveAsync(Caller caller, string name, bool active, CancellationToken cancellationToken = default)
    {
        var actor = CurrentUser(caller);
        if (name == actor.Name)
        {
            throw EngineException.Denied("changing your own status is not allowed");
        }

        if (name == UserNames.Admin)
        {
            throw EngineException.Denied($"'{UserNames.Admin}' cannot be deactivated");
        }

        var target = Find(name) ?? throw new EngineException(EngineErrorCode.NotFound, "user not found");
        if (!actor.SysAdmin && !(IsAdminSomewhere(actor) && target.CreatedBy == actor.Name))
        {
            throw EngineException.Denied("permission denied: SetActiveUser requires sysadmin, or admin permission as the user's creator");
        }

        await UpdateAsync(name, u => u with { Active = active }, cancellationToken).ConfigureAwait(false);
        if (!active)
        {
            _tokens.RevokeAll(name);
            _sessions.CloseAllOf(name);
        }

        EngineLog.UserChanged(_logger, name, actor.Name, active ? "activated" : "deactivated");
    }

    /// <summary>
    /// Sets the admin's password from the server's configuration, only while it is still the default one (a
    /// password chosen since is never overwritten by a start-up flag).
    /// </summary>
    public async Task ReplaceDefaultAdminPasswordAsync(string password, CancellationToken cancellationToken = default)
    {
        if (!PasswordPolicy.IsStrong(password))
        {
            throw EngineException.Invalid("admin password: " + PasswordPolicy.Rule);
        }

        if (!_adminHasDefaultPassword)
        {
            return;
        }

        await UpdateAsync(UserNames.Admin, u => u with { PasswordHash = PasswordHasher.Hash(password) }, cancellationToken).ConfigureAwait(false);
        _adminHasDefaultPassword = false;
        _tokens.RevokeAll(UserNames.Admin);
        _sessions.CloseAllOf(UserNames.Admin);
    }

    private UserRecord? Find(string name)
    {
        lock (_gate)
        {
            return _users.GetValueOrDefault(name);
        }
    }

    /// <summary>
    /// Drops a user: its record is deleted in systemdb (history kept), its tokens and sessions end at once, and
    /// its name may be used again. Needs DROP_USER over the user (<see cref="Manages"/>).
    /// </summary>
    public async Task DropUserAsync(Caller caller, string name, CancellationToken cancellationToken = default)
    {
        var actor = CurrentUser(caller);
        if (name == UserNames.Admin)
        {
            throw EngineException.Denied($"'{UserNames.Admin}' cannot be dropped");
        }

        if (name == actor.Name)
        {
            throw EngineException.Denied("dropping yourself is not allowed");
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var target = Find(name) ?? throw new EngineException(EngineErrorCode.NotFound, "user not found");
            if (!Manages(actor, Privilege.DropUser, target))
            {
                throw EngineException.Denied($"permission denied: DropUser of user '{name}' requires the DROP_USER privilege on the server or on every database the user has access to");
            }

            await _databases.Catalog.DropUserAsync(name, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _users.Remove(name);
                _rights.Remove(name);
            }
        }
        finally
        {
            _writeLock.Release();
        }

        _tokens.RevokeAll(name);
        _sessions.CloseAllOf(name);
        EngineLog.UserChanged(_logger, name, actor.Name, "dropped");
    }

    /// <summary>
    /// Whether <paramref name="actor"/> holds the management <paramref name="privilege"/> over <paramref name="target"/>:
    /// on the server, or on every database the target has access to (so a database's manager cannot take over a
    /// user who also reaches other databases). A user with no access at all needs it on the server.
    /// </summary>
    private bool Manages(UserRecord actor, Privilege privilege, UserRecord target)
    {
        var rights = RightsOf(actor);
        if (rights.Holds(privilege, null))
        {
            return true;
        }

        var reach = RightsOf(target).Grants.Select(g => g.Grant.Database).ToHashSet(StringComparer.Ordinal);
        return reach.Count > 0 && !reach.Contains(Grant.AnyDatabase) && reach.All(d => rights.Holds(privilege, d));
    }

    private static bool IsAdminSomewhere(UserRecord user) => user.SysAdmin || user.Permissions.Values.Any(p => p == Permission.Admin);

    private async Task UpdateAsync(string name, Func<UserRecord, UserRecord> change, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Find(name) ?? throw new EngineException(EngineErrorCode.NotFound, "user not found");
            await SaveAsync(change(current), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // Durable in systemdb first; only then visible to authorization.
    private async Task SaveAsync(UserRecord user, CancellationToken cancellationToken)
    {
        await _databases.Catalog.SaveUserAsync(user, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _users[user.Name] = user;
        }
    }
}
