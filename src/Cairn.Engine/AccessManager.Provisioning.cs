// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;

namespace Cairn.Engine;

/// <summary>A user as a provisioning file describes it: exactly one of a plain password or a bcrypt hash.</summary>
/// <param name="Name">The user name.</param>
/// <param name="Password">A plain password (hashed before it is stored), or null.</param>
/// <param name="PasswordHash">A bcrypt hash (<see cref="PasswordHashFormat"/>), or null.</param>
/// <param name="Active">Whether the user may log in.</param>
/// <param name="Permissions">The user's permission per database: exactly these, others are revoked.</param>
public sealed record ProvisionedUser(string Name, string? Password, string? PasswordHash, bool Active, IReadOnlyDictionary<string, Permission> Permissions)
{
    /// <summary>The user's roles: exactly these, others are taken back.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The user's own grants: exactly these, others are revoked.</summary>
    public IReadOnlyList<Grant> Grants { get; init; } = [];
}

/// <summary>A role as a provisioning file describes it.</summary>
/// <param name="Name">The role name.</param>
/// <param name="Grants">The role's grants: exactly these, others are revoked.</param>
public sealed record ProvisionedRole(string Name, IReadOnlyList<Grant> Grants);

/// <summary>Everything a provisioning file asks for: roles first (users may name them), then users.</summary>
/// <param name="Users">The users.</param>
/// <param name="Roles">The roles.</param>
public sealed record ProvisioningPlan(IReadOnlyList<ProvisionedUser> Users, IReadOnlyList<ProvisionedRole> Roles)
{
    /// <summary>A plan of users only.</summary>
    public ProvisioningPlan(IReadOnlyList<ProvisionedUser> users)
        : this(users, [])
    {
    }
}

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
    /// Creates the roles and users that are missing and changes existing ones to match (password, active,
    /// permissions, roles, grants); those not listed are left alone. The admin keeps sysadmin: only its password
    /// may be provisioned. Every entry is checked before anything is written. A changed password or a
    /// deactivation ends the user's tokens and sessions. Outcomes name roles as <c>role:NAME</c>.
    /// </summary>
    /// <exception cref="EngineException">An entry is invalid; the message names the user or role and the rule, never a password.</exception>
    public async Task<IReadOnlyList<(string Name, ProvisioningOutcome Outcome)>> ProvisionAsync(ProvisioningPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        CheckProvisioning(plan);
        var outcomes = new List<(string, ProvisioningOutcome)>(plan.Users.Count + plan.Roles.Count);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Grants name databases and patterns that only the open data folder can check: all of them before any write.
            var roleGrants = plan.Roles.ToDictionary(r => r.Name, r => NormalizeAll(r.Grants, $"role '{r.Name}'"), StringComparer.Ordinal);
            var userGrants = plan.Users.ToDictionary(u => u.Name, u => NormalizeAll(u.Grants, $"user '{u.Name}'"), StringComparer.Ordinal);
            foreach (var user in plan.Users)
            {
                foreach (string role in user.Roles)
                {
                    if (!roleGrants.ContainsKey(role) && FindRole(role) is null)
                    {
                        throw EngineException.Invalid($"user '{user.Name}': role '{role}' does not exist and is not in the file");
                    }
                }
            }

            foreach (var role in plan.Roles)
            {
                outcomes.Add(("role:" + role.Name, await ProvisionRoleAsync(role.Name, roleGrants[role.Name], cancellationToken).ConfigureAwait(false)));
            }

            foreach (var wanted in plan.Users)
            {
                outcomes.Add((wanted.Name, await ProvisionOneAsync(wanted, userGrants[wanted.Name], cancellationToken).ConfigureAwait(false)));
            }
        }
        finally
        {
            _writeLock.Release();
        }

        return outcomes;
    }

    private List<Grant> NormalizeAll(IReadOnlyList<Grant> grants, string who)
    {
        var normalized = new List<Grant>(grants.Count);
        foreach (var grant in grants)
        {
            Grant checkedGrant;
            try
            {
                checkedGrant = Normalize(grant);
            }
            catch (EngineException e)
            {
                throw new EngineException(e.Code, $"{who}: {e.Message}");
            }

            if (!normalized.Contains(checkedGrant))
            {
                normalized.Add(checkedGrant);
            }
        }

        return normalized;
    }

    private async Task<ProvisioningOutcome> ProvisionRoleAsync(string name, List<Grant> grants, CancellationToken cancellationToken)
    {
        var existing = FindRole(name);
        if (existing is not null && existing.Grants.Count == grants.Count && existing.Grants.All(grants.Contains))
        {
            return ProvisioningOutcome.Unchanged;
        }

        var role = existing is null
            ? new RoleRecord(name, grants, ProvisioningCreator, _options.Time.GetUtcNow())
            : existing with { Grants = grants };
        await _databases.Catalog.SaveAsync([], [role], [], cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _roles[name] = role;
            _rights.Clear();
        }

        EngineLog.UserProvisioned(_logger, "role:" + name, existing is null ? "created" : "updated");
        return existing is null ? ProvisioningOutcome.Created : ProvisioningOutcome.Updated;
    }

    private async Task<ProvisioningOutcome> ProvisionOneAsync(ProvisionedUser wanted, List<Grant> grants, CancellationToken cancellationToken)
    {
        var existing = Find(wanted.Name);

        // A plain password that already matches keeps its hash: restarts do not rewrite the user every time.
        string hash = wanted.PasswordHash
            ?? (existing is not null && PasswordHasher.Verify(wanted.Password!, existing.PasswordHash) ? existing.PasswordHash : PasswordHasher.Hash(wanted.Password!));
        var permissions = new Dictionary<string, Permission>(wanted.Permissions, StringComparer.Ordinal);
        IReadOnlyList<string> roles = [.. wanted.Roles.Distinct(StringComparer.Ordinal)];
        if (existing is null)
        {
            await SaveAsync(new UserRecord(wanted.Name, hash, wanted.Active, SysAdmin: false, permissions, ProvisioningCreator, _options.Time.GetUtcNow())
            {
                Grants = grants,
                Roles = roles,
            }, cancellationToken).ConfigureAwait(false);
            EngineLog.UserProvisioned(_logger, wanted.Name, "created");
            return ProvisioningOutcome.Created;
        }

        bool admin = existing.Name == UserNames.Admin;
        var updated = admin
            ? existing with { PasswordHash = hash }
            : existing with { PasswordHash = hash, Active = wanted.Active, Permissions = permissions, Grants = grants, Roles = roles };
        bool passwordChanged = !string.Equals(updated.PasswordHash, existing.PasswordHash, StringComparison.Ordinal);
        if (!passwordChanged && updated.Active == existing.Active && SamePermissions(updated.Permissions, existing.Permissions)
            && SameSet(updated.Grants, existing.Grants) && SameSet(updated.Roles, existing.Roles))
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
    public static void CheckProvisioning(ProvisioningPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var roles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in plan.Roles)
        {
            if (RoleNames.Validate(role.Name) is { } error)
            {
                throw EngineException.Invalid($"role '{role.Name}': {error}");
            }

            if (!roles.Add(role.Name))
            {
                throw EngineException.Invalid($"role '{role.Name}' is listed twice");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var user in plan.Users)
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
                if (!user.Active || user.Permissions.Count > 0 || user.Roles.Count > 0 || user.Grants.Count > 0)
                {
                    throw EngineException.Invalid($"{who} is the built-in sysadmin: only its password can be provisioned (no active: false, permissions, roles or grants)");
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

    private static bool SameSet<T>(IReadOnlyList<T> a, IReadOnlyList<T> b) => a.Count == b.Count && a.All(b.Contains);

    private static bool SamePermissions(IReadOnlyDictionary<string, Permission> a, IReadOnlyDictionary<string, Permission> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var other) && other == p.Value);
}
