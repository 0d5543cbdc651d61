// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using Cairn.Security;

namespace Cairn.Engine;

/// <summary>
/// Key-level privileges: the checks data operations make on the keys they touch. A user's rights are computed
/// from its current record and roles and cached until any user or role changes, so a grant or revoke applies to
/// every open token and session on its next request.
/// </summary>
public sealed partial class AccessManager
{
    private const int MaxKeyShown = 128;

    private readonly Dictionary<string, RoleRecord> _roles = new(StringComparer.Ordinal);

    // Keyed by user name; valid while the cached record is the current one (records are replaced on every change).
    private readonly Dictionary<string, (UserRecord User, AccessRights Rights)> _rights = new(StringComparer.Ordinal);

    /// <summary>The caller's current rights.</summary>
    /// <exception cref="EngineException">The user no longer exists or was deactivated.</exception>
    public AccessRights Rights(Caller caller) => RightsOf(CurrentUser(caller));

    /// <summary>Refuses unless <paramref name="privilege"/> covers <paramref name="key"/> in the caller's selected database.</summary>
    public void RequireKey(Caller caller, Privilege privilege, ReadOnlySpan<byte> key)
    {
        var (rights, database) = DataRights(caller);
        if (!rights.Allows(privilege, database, key))
        {
            throw KeyDenied(privilege, key, database);
        }
    }

    /// <summary>Refuses unless <paramref name="privilege"/> covers every one of <paramref name="keys"/>.</summary>
    public void RequireKeys(Caller caller, Privilege privilege, IEnumerable<byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var (rights, database) = DataRights(caller);
        if (rights.AllowsAllKeys(privilege, database))
        {
            return;
        }

        foreach (byte[] key in keys)
        {
            if (!rights.Allows(privilege, database, key))
            {
                throw KeyDenied(privilege, key, database);
            }
        }
    }

    /// <summary>
    /// Refuses unless one granted pattern covers every key that starts with <paramref name="prefix"/>. Scans and
    /// counts are refused rather than filtered: a filtered page would still tell, through its size, its order and
    /// the seek keys of the next page, about keys the caller may not read, and would break immudb's paging.
    /// </summary>
    public void RequirePrefix(Caller caller, Privilege privilege, ReadOnlySpan<byte> prefix)
    {
        var (rights, database) = DataRights(caller);
        if (!rights.AllowsPrefix(privilege, database, prefix))
        {
            throw EngineException.Denied(prefix.IsEmpty
                ? $"permission denied: {privilege.Name()} on every key ('{Grant.AllKeys}') in database '{database}' (no grant covers the whole database)"
                : $"permission denied: {privilege.Name()} on every key with prefix '{Show(prefix)}' in database '{database}' (no grant covers the whole range; end the prefix with the separator to scan below a path)");
        }
    }

    /// <summary>Refuses unless <paramref name="privilege"/> is held on every key of the selected database.</summary>
    public void RequireAllKeys(Caller caller, Privilege privilege, string operation)
    {
        var (rights, database) = DataRights(caller);
        if (!rights.AllowsAllKeys(privilege, database))
        {
            throw EngineException.Denied($"permission denied: {privilege.Name()} on every key ('{Grant.AllKeys}') in database '{database}' ({operation} shows the keys of every entry of a transaction)");
        }
    }

    internal AccessRights RightsOf(UserRecord user)
    {
        lock (_gate)
        {
            if (_rights.TryGetValue(user.Name, out var cached) && ReferenceEquals(cached.User, user))
            {
                return cached.Rights;
            }

            var rights = AccessRights.For(user, name => _roles.GetValueOrDefault(name), SeparatorOf);
            _rights[user.Name] = (user, rights);
            return rights;
        }
    }

    // The coarse gate of the method table: a user with only key grants still reaches the method, which then checks keys.
    private bool HoldsDataPrivilegeFor(UserRecord user, string database, Permission required)
    {
        var rights = RightsOf(user);
        return required switch
        {
            Permission.Read => rights.HoldsAny(Privilege.Read, database),
            Permission.ReadWrite => rights.HoldsAny(Privilege.Write, database) || rights.HoldsAny(Privilege.Delete, database),
            _ => false,
        };
    }

    private bool MayUse(UserRecord user, string database) =>
        user.PermissionOn(database) != Permission.None || RightsOf(user).HoldsAnyOn(database);

    private char SeparatorOf(string database) => _databases.FindRecord(database)?.Separator ?? KeyPattern.DefaultSeparator;

    private (AccessRights Rights, string Database) DataRights(Caller caller)
    {
        var user = CurrentUser(caller);
        string database = caller.Database ?? throw new EngineException(EngineErrorCode.NoDatabaseSelected, "please select a database first");
        return (RightsOf(user), database);
    }

    private async Task LoadRolesAsync(CancellationToken cancellationToken)
    {
        foreach (var role in await _databases.Catalog.LoadRolesAsync(cancellationToken).ConfigureAwait(false))
        {
            _roles[role.Name] = role;
        }
    }

    private static EngineException KeyDenied(Privilege privilege, ReadOnlySpan<byte> key, string database) =>
        EngineException.Denied($"permission denied: {privilege.Name()} on key '{Show(key)}' in database '{database}' (no grant covers it)");

    // Keys are bytes: shown as text when they are printable UTF-8, else as hex; long keys are cut.
    private static string Show(ReadOnlySpan<byte> key)
    {
        var shown = key.Length > MaxKeyShown ? key[..MaxKeyShown] : key;
        string suffix = key.Length > MaxKeyShown ? "…" : string.Empty;
        try
        {
            string text = StrictUtf8.GetString(shown);
            if (!text.Any(char.IsControl) && !text.Contains('\''))
            {
                return text + suffix;
            }
        }
        catch (DecoderFallbackException)
        {
        }

        return "0x" + Convert.ToHexStringLower(shown) + suffix;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
