// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;

namespace Cairn.Engine;

/// <summary>User administration: every change is a durable systemdb transaction before it takes effect.</summary>
public sealed partial class AccessManager
{
    /// <summary>
    /// The users the caller may see: a sysadmin sees all, an admin of the selected database the users holding a
    /// permission there, anyone else only itself.
    /// </summary>
    public IReadOnlyList<UserRecord> ListUsers(Caller caller)
    {
        var user = CurrentUser(caller);
        lock (_gate)
        {
            IEnumerable<UserRecord> visible = _users.Values;
            if (!user.SysAdmin)
            {
                string? database = caller.Database;
                bool admin = database is not null && user.PermissionOn(database) == Permission.Admin;
                visible = visible.Where(u => u.Name == user.Name || (admin && u.PermissionOn(database!) != Permission.None));
            }

            return [.. visible.OrderBy(u => u.CreatedAt).ThenBy(u => u.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Creates a user with one permission on one database (sysadmin, or admin of that database).</summary>
    public async Task CreateUserAsync(Caller caller, string name, string password, uint permission, string database, CancellationToken cancellationToken = default)
    {
        var actor = CurrentUser(caller);
        if (string.IsNullOrEmpty(database))
        {
            throw EngineException.Invalid("database name is required");
        }

        if (!actor.SysAdmin && actor.PermissionOn(database) != Permission.Admin)
        {
            throw EngineException.Denied($"permission denied: CreateUser requires the admin permission on database '{database}' or sysadmin");
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
    /// Changes a password. Users change their own (old password required); a sysadmin, or an admin who created
    /// the user, changes another's (only the admin itself may change the admin's). Ends every token and session
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
        else if (!actor.SysAdmin && !(IsAdminSomewhere(actor) && target.CreatedBy == actor.Name))
        {
            throw EngineException.Denied("permission denied: changing another user's password requires sysadmin, or admin permission as the user's creator");
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
