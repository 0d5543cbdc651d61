// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;

namespace Cairn.Engine;

/// <summary>Creating databases and changing their access settings.</summary>
public sealed partial class AccessManager
{
    /// <summary>
    /// Creates a database (needs CREATE_DATABASE on the server; a sysadmin holds it). A creator who is not a
    /// sysadmin gets the admin permission on the new database, or it could not use what it made.
    /// </summary>
    /// <exception cref="EngineException">Not allowed, the name is invalid, or the database exists.</exception>
    public async Task<DatabaseRecord> CreateDatabaseAsync(Caller caller, string name, CancellationToken cancellationToken = default)
    {
        var actor = RequireManagement(caller, Privilege.CreateDatabase, database: null, anywhere: false, "CreateDatabase");
        var record = await _databases.CreateAsync(name, actor.Name, cancellationToken).ConfigureAwait(false);
        if (!actor.SysAdmin)
        {
            await UpdateAsync(actor.Name, u => u with
            {
                Permissions = new Dictionary<string, Permission>(u.Permissions, StringComparer.Ordinal) { [record.Name] = Permission.Admin },
            }, cancellationToken).ConfigureAwait(false);
            EngineLog.UserChanged(_logger, actor.Name, actor.Name, $"granted {Permission.Admin.Name()} on {record.Name} as its creator");
        }

        return record;
    }

    /// <summary>The separator of key segments in the privilege patterns of <paramref name="database"/>.</summary>
    /// <exception cref="EngineException">No such database, or the caller has no access to it.</exception>
    public char KeySeparator(Caller caller, string database)
    {
        var user = CurrentUser(caller);
        var record = UserDatabase(database);
        return MayUse(user, record.Name) ? record.Separator : throw EngineException.Denied($"permission denied: no access to database '{database}'");
    }

    /// <summary>
    /// Sets what splits the keys of <paramref name="database"/> into segments for key patterns (needs GRANT on
    /// it: the setting decides what its grants cover). Refused while grants on that database use a pattern other
    /// than <c>**</c>, whose meaning would change under them.
    /// </summary>
    /// <exception cref="EngineException">Not allowed, no such database, an invalid separator, or patterns in use.</exception>
    public async Task SetKeySeparatorAsync(Caller caller, string database, string separator, CancellationToken cancellationToken = default)
    {
        var actor = RequireManagement(caller, Privilege.Grant, database, anywhere: false, "SetKeySeparator");
        var record = UserDatabase(database);
        if (separator is not [char c] || KeyPattern.ValidateSeparator(c) is not null)
        {
            throw EngineException.Invalid("the key separator must be one printable ASCII character other than '*'");
        }

        if (c == record.Separator)
        {
            return;
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<string> holders;
            lock (_gate)
            {
                holders =
                [
                    .. _users.Values.Where(u => u.Grants.Any(g => UsesPatternOn(g, record.Name))).Select(u => "user " + u.Name),
                    .. _roles.Values.Where(r => r.Grants.Any(g => UsesPatternOn(g, record.Name))).Select(r => "role " + r.Name),
                ];
            }

            if (holders.Count > 0)
            {
                holders.Sort(StringComparer.Ordinal);
                throw new EngineException(EngineErrorCode.FailedPrecondition,
                    $"cannot change the key separator of database '{record.Name}' while grants there use key patterns ({string.Join(", ", holders.Take(5))}{(holders.Count > 5 ? ", …" : string.Empty)}); revoke them first");
            }

            await _databases.UpdateAsync(record.Name, r => r with { KeySeparator = separator }, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _rights.Clear();
            }
        }
        finally
        {
            _writeLock.Release();
        }

        EngineLog.DatabaseChanged(_logger, record.Name, actor.Name, $"key separator '{separator}'");
    }

    private static bool UsesPatternOn(Grant grant, string database) =>
        grant.Privilege.IsData() && grant.Database == database && grant.Pattern != Grant.AllKeys;

    // A database users create (not systemdb or auditdb, whose keys are the server's own).
    private DatabaseRecord UserDatabase(string database) =>
        (DatabaseNames.IsReserved(database) ? null : _databases.FindRecord(database))
        ?? throw new EngineException(EngineErrorCode.NotFound, $"database '{database}' does not exist");
}
