// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;

namespace Cairn.Engine;

/// <summary>A user as a provisioning file describes it: exactly one of a plain password or a bcrypt hash.</summary>
/// <param name="Name">The user name.</param>
/// <param name="Password">A plain password (hashed before it is stored), or null.</param>
/// <param name="PasswordHash">A bcrypt hash (<see cref="PasswordHashFormat"/>), or null.</param>
/// <param name="Active">Whether the user may log in.</param>
/// <param name="Permissions">The user's permission per database: exactly these, others are revoked.</param>
public sealed record ProvisionedUser(string Name, string? Password, string? PasswordHash, bool Active, IReadOnlyDictionary<string, Permission> Permissions);

/// <summary>What provisioning did to one user.</summary>
public enum ProvisioningOutcome
{
    /// <summary>The user did not exist and was created.</summary>
    Created,

    /// <summary>The user existed and was changed to match.</summary>
    Updated,

    /// <summary>The user already matched.</summary>
    Unchanged,
}

/// <summary>Users created or brought in line from a provisioning file, for automated deployments.</summary>
public sealed partial class AccessManager
{
    /// <summary>The creator recorded for provisioned users; not a valid user name, so no admin can claim their creation.</summary>
    public const string ProvisioningCreator = "users-file";

    /// <summary>
    /// Creates the users that are missing and changes existing ones to match (password, active, permissions);
    /// users not listed are left alone. The admin keeps sysadmin: only its password may be provisioned. Every
    /// entry is checked before anything is written. A changed password or a deactivation ends the user's
    /// tokens and sessions.
    /// </summary>
    /// <exception cref="EngineException">An entry is invalid; the message names the user and the rule, never a password.</exception>
    public async Task<IReadOnlyList<(string User, ProvisioningOutcome Outcome)>> ProvisionAsync(IReadOnlyList<ProvisionedUser> users, CancellationToken cancellationToken = default)
    {
        CheckProvisioning(users);
        var outcomes = new List<(string, ProvisioningOutcome)>(users.Count);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var wanted in users)
            {
                outcomes.Add((wanted.Name, await ProvisionOneAsync(wanted, cancellationToken).ConfigureAwait(false)));
            }
        }
        finally
        {
            _writeLock.Release();
        }

        return outcomes;
    }

    private async Task<ProvisioningOutcome> ProvisionOneAsync(ProvisionedUser wanted, CancellationToken cancellationToken)
    {
        var existing = Find(wanted.Name);

        // A plain password that already matches keeps its hash: restarts do not rewrite the user every time.
        string hash = wanted.PasswordHash
            ?? (existing is not null && PasswordHasher.Verify(wanted.Password!, existing.PasswordHash) ? existing.PasswordHash : PasswordHasher.Hash(wanted.Password!));
        var permissions = new Dictionary<string, Permission>(wanted.Permissions, StringComparer.Ordinal);
        if (existing is null)
        {
            await SaveAsync(new UserRecord(wanted.Name, hash, wanted.Active, SysAdmin: false, permissions, ProvisioningCreator, _options.Time.GetUtcNow()),
                cancellationToken).ConfigureAwait(false);
            EngineLog.UserProvisioned(_logger, wanted.Name, "created");
            return ProvisioningOutcome.Created;
        }

        bool admin = existing.Name == UserNames.Admin;
        var updated = admin
            ? existing with { PasswordHash = hash }
            : existing with { PasswordHash = hash, Active = wanted.Active, Permissions = permissions };
        bool passwordChanged = !string.Equals(updated.PasswordHash, existing.PasswordHash, StringComparison.Ordinal);
        if (!passwordChanged && updated.Active == existing.Active && SamePermissions(updated.Permissions, existing.Permissions))
        {
            return ProvisioningOutcome.Unchanged;
        }

        await SaveAsync(updated, cancellationToken).ConfigureAwait(false);
        if (passwordChanged || !updated.Active)
        {
            _tokens.RevokeAll(updated.Name);
            _sessions.CloseAllOf(updated.Name);
        }

        if (admin && passwordChanged)
        {
            _adminHasDefaultPassword = PasswordHasher.Verify(UserNames.DefaultAdminPassword, updated.PasswordHash);
        }

        EngineLog.UserProvisioned(_logger, wanted.Name, "updated");
        return ProvisioningOutcome.Updated;
    }

    /// <summary>Checks provisioning entries without applying them (the server does this before it opens the data folder).</summary>
    /// <exception cref="EngineException">An entry is invalid; the message names the user and the rule, never a password.</exception>
    public static void CheckProvisioning(IReadOnlyList<ProvisionedUser> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            if (!UserNames.IsValid(user.Name))
            {
                throw EngineException.Invalid($"user names can only contain letters, digits and underscores (1 to {UserNames.MaxLength} characters); '{user.Name}' does not");
            }

            string who = $"user '{user.Name}'";
            if (!seen.Add(user.Name))
            {
                throw EngineException.Invalid($"{who} is listed twice");
            }

            if ((user.Password is null) == (user.PasswordHash is null))
            {
                throw EngineException.Invalid($"{who}: give exactly one of password and passwordHash");
            }

            if (user.Password is not null && !PasswordPolicy.IsStrong(user.Password))
            {
                throw EngineException.Invalid($"{who}: {PasswordPolicy.Rule}");
            }

            if (user.PasswordHash is not null && PasswordHashFormat.Problem(user.PasswordHash) is { } problem)
            {
                throw EngineException.Invalid($"{who}: passwordHash is {problem}");
            }

            if (user.Name == UserNames.Admin)
            {
                if (!user.Active || user.Permissions.Count > 0)
                {
                    throw EngineException.Invalid($"{who} is the built-in sysadmin: only its password can be provisioned (no active: false, no permissions)");
                }

                continue;
            }

            foreach (var (database, permission) in user.Permissions)
            {
                if (database == DatabaseNames.System || DatabaseNames.Problem(database) is not null)
                {
                    throw EngineException.Invalid($"{who}: '{database}' is not a database permissions can be granted on");
                }

                if (!Permissions.IsGrantable((uint)permission))
                {
                    throw EngineException.Invalid($"{who}: the permission on '{database}' must be read, readwrite or admin");
                }
            }
        }
    }

    private static bool SamePermissions(IReadOnlyDictionary<string, Permission> a, IReadOnlyDictionary<string, Permission> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var other) && other == p.Value);
}
