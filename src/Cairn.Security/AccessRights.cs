// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections.Concurrent;

namespace Cairn.Security;

/// <summary>
/// Everything one user may do: the union of its own grants, its roles' grants and the grants its immudb permissions
/// stand for (read → READ on <c>**</c>; readwrite → READ, WRITE, DELETE on <c>**</c>; admin → those plus
/// CREATE_USER, ALTER_PASSWORD, GRANT and LIST_USERS on that database; sysadmin → every privilege everywhere).
/// Built once per version of the user and its roles; patterns are compiled per database on first use, with that
/// database's separator, so a check is a few pattern matches and no allocation.
/// </summary>
public sealed class AccessRights
{
    private readonly Func<string, char> _separatorOf;
    private readonly ConcurrentDictionary<string, DatabaseRights> _byDatabase = new(StringComparer.Ordinal);

    private AccessRights(string user, bool sysAdmin, IReadOnlyList<EffectiveGrant> grants, Func<string, char> separatorOf)
    {
        User = user;
        IsSysAdmin = sysAdmin;
        Grants = grants;
        _separatorOf = separatorOf;
    }

    /// <summary>The user.</summary>
    public string User { get; }

    /// <summary>Whether the user holds every privilege on everything.</summary>
    public bool IsSysAdmin { get; }

    /// <summary>Every grant the user holds, with where it comes from.</summary>
    public IReadOnlyList<EffectiveGrant> Grants { get; }

    /// <summary>The rights of <paramref name="user"/>.</summary>
    /// <param name="user">The user record.</param>
    /// <param name="findRole">Looks a role up by name (null: dropped, ignored).</param>
    /// <param name="separatorOf">The key separator of a database.</param>
    public static AccessRights For(UserRecord user, Func<string, RoleRecord?> findRole, Func<string, char>? separatorOf = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(findRole);
        var grants = new List<EffectiveGrant>();
        if (user.SysAdmin)
        {
            foreach (var privilege in Privileges.All)
            {
                grants.Add(new EffectiveGrant(new Grant(privilege, Grant.AnyDatabase, Grant.AllKeys), "sysadmin"));
            }
        }

        foreach (var (database, permission) in user.Permissions)
        {
            foreach (var privilege in Implied(permission))
            {
                grants.Add(new EffectiveGrant(new Grant(privilege, database, Grant.AllKeys), "permission:" + permission.Name()));
            }
        }

        grants.AddRange(user.Grants.Select(g => new EffectiveGrant(g, "user")));
        foreach (string roleName in user.Roles)
        {
            if (findRole(roleName) is { } role)
            {
                grants.AddRange(role.Grants.Select(g => new EffectiveGrant(g, "role:" + role.Name)));
            }
        }

        return new AccessRights(user.Name, user.SysAdmin, grants, separatorOf ?? (_ => KeyPattern.DefaultSeparator));
    }

    /// <summary>The privileges an immudb permission on one database stands for.</summary>
    public static IReadOnlyList<Privilege> Implied(Permission permission) => permission switch
    {
        Permission.Read => [Privilege.Read],
        Permission.ReadWrite => [Privilege.Read, Privilege.Write, Privilege.Delete],
        Permission.Admin or Permission.SysAdmin =>
            [Privilege.Read, Privilege.Write, Privilege.Delete, Privilege.CreateUser, Privilege.AlterPassword, Privilege.Grant, Privilege.ListUsers],
        _ => [],
    };

    /// <summary>Whether <paramref name="privilege"/> covers <paramref name="key"/> in <paramref name="database"/>.</summary>
    public bool Allows(Privilege privilege, string database, ReadOnlySpan<byte> key)
    {
        var patterns = On(database).Patterns[(int)privilege];
        if (patterns.All)
        {
            return true;
        }

        foreach (var pattern in patterns.List)
        {
            if (pattern.Matches(key))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="privilege"/> covers every key that starts with <paramref name="prefix"/>.</summary>
    public bool AllowsPrefix(Privilege privilege, string database, ReadOnlySpan<byte> prefix)
    {
        var patterns = On(database).Patterns[(int)privilege];
        if (patterns.All)
        {
            return true;
        }

        foreach (var pattern in patterns.List)
        {
            if (pattern.CoversPrefix(prefix))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="privilege"/> covers every key of <paramref name="database"/>.</summary>
    public bool AllowsAllKeys(Privilege privilege, string database) => On(database).Patterns[(int)privilege].All;

    /// <summary>Whether the user holds <paramref name="privilege"/> on any key of <paramref name="database"/>.</summary>
    public bool HoldsAny(Privilege privilege, string database)
    {
        var patterns = On(database).Patterns[(int)privilege];
        return patterns.All || patterns.List.Length > 0;
    }

    /// <summary>Whether the user holds any privilege at all on <paramref name="database"/> (it may select it).</summary>
    public bool HoldsAnyOn(string database) => IsSysAdmin || Grants.Any(g => g.Grant.AppliesTo(database));

    /// <summary>
    /// Whether the user holds the management privilege <paramref name="privilege"/> on <paramref name="database"/>
    /// (null: server-wide, which only a grant on <see cref="Grant.AnyDatabase"/> gives).
    /// </summary>
    public bool Holds(Privilege privilege, string? database) =>
        Grants.Any(g => g.Grant.Privilege == privilege && (g.Grant.Database == Grant.AnyDatabase || (database is not null && g.Grant.Database == database)));

    /// <summary>Whether the user holds <paramref name="privilege"/> on the server or on some database.</summary>
    public bool HoldsAnywhere(Privilege privilege) => Grants.Any(g => g.Grant.Privilege == privilege);

    private DatabaseRights On(string database) => _byDatabase.GetOrAdd(database, Compile);

    private DatabaseRights Compile(string database)
    {
        char separator = _separatorOf(database);
        int size = (int)Privileges.All.Max() + 1;
        var lists = new List<KeyPattern>?[size];
        bool[] all = new bool[size];
        foreach (var grant in Grants.Select(g => g.Grant).Where(g => g.Privilege.IsData() && g.AppliesTo(database)))
        {
            int index = (int)grant.Privilege;
            if (all[index])
            {
                continue;
            }

            // A pattern that no longer parses (e.g. written for another separator) grants nothing rather than failing every call.
            if (!KeyPattern.TryParse(grant.Pattern, separator, out var pattern, out _))
            {
                continue;
            }

            if (pattern.MatchesEverything)
            {
                all[index] = true;
                continue;
            }

            (lists[index] ??= []).Add(pattern);
        }

        var patterns = new PatternSet[size];
        for (int i = 0; i < size; i++)
        {
            patterns[i] = new PatternSet(all[i], all[i] ? [] : [.. lists[i] ?? []]);
        }

        return new DatabaseRights(patterns);
    }

    private sealed record PatternSet(bool All, KeyPattern[] List);

    private sealed record DatabaseRights(PatternSet[] Patterns);
}
