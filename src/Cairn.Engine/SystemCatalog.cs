// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cairn.Security;
using Cairn.Storage;

namespace Cairn.Engine;

/// <summary>
/// The records kept in systemdb: one key per user (<c>user:NAME</c>), per role (<c>role:NAME</c>) and per database (<c>database:NAME</c>),
/// each a JSON document. Every change writes the whole record again as a new transaction, so systemdb's
/// history is the audit of who was created, granted, deactivated and when, with the same proofs as any data.
/// </summary>
internal sealed class SystemCatalog(Database systemDb)
{
    private const string UserPrefix = "user:";
    private const string DatabasePrefix = "database:";
    private const string RolePrefix = "role:";

    public Database Database => systemDb;

    public async Task<List<UserRecord>> LoadUsersAsync(CancellationToken cancellationToken)
    {
        var users = new List<UserRecord>();
        await foreach (var entry in ScanAllAsync(UserPrefix, cancellationToken).ConfigureAwait(false))
        {
            var stored = JsonSerializer.Deserialize(entry.Value, CatalogJson.Default.StoredUser)
                ?? throw new InvalidDataException($"systemdb: empty user record in tx {entry.TxId}");
            users.Add(stored.ToRecord());
        }

        return users;
    }

    public async Task<List<RoleRecord>> LoadRolesAsync(CancellationToken cancellationToken)
    {
        var roles = new List<RoleRecord>();
        await foreach (var entry in ScanAllAsync(RolePrefix, cancellationToken).ConfigureAwait(false))
        {
            var stored = JsonSerializer.Deserialize(entry.Value, CatalogJson.Default.StoredRole)
                ?? throw new InvalidDataException($"systemdb: empty role record in tx {entry.TxId}");
            if (!stored.Dropped)
            {
                roles.Add(stored.ToRecord());
            }
        }

        return roles;
    }

    /// <summary>Writes users and roles (a dropped role as a tombstone, keeping its history) in one transaction.</summary>
    public Task SaveAsync(IEnumerable<UserRecord> users, IEnumerable<RoleRecord> roles, IEnumerable<RoleRecord> dropped, CancellationToken cancellationToken)
    {
        var entries = new List<KeyValue>();
        entries.AddRange(users.Select(u => new KeyValue(Key(UserPrefix, u.Name), JsonSerializer.SerializeToUtf8Bytes(StoredUser.From(u), CatalogJson.Default.StoredUser))));
        entries.AddRange(roles.Select(r => new KeyValue(Key(RolePrefix, r.Name), JsonSerializer.SerializeToUtf8Bytes(StoredRole.From(r, dropped: false), CatalogJson.Default.StoredRole))));
        entries.AddRange(dropped.Select(r => new KeyValue(Key(RolePrefix, r.Name), JsonSerializer.SerializeToUtf8Bytes(StoredRole.From(r, dropped: true), CatalogJson.Default.StoredRole))));
        return systemDb.SetAsync(entries, cancellationToken: cancellationToken);
    }

    public async Task<List<DatabaseRecord>> LoadDatabasesAsync(CancellationToken cancellationToken)
    {
        var databases = new List<DatabaseRecord>();
        await foreach (var entry in ScanAllAsync(DatabasePrefix, cancellationToken).ConfigureAwait(false))
        {
            databases.Add(JsonSerializer.Deserialize(entry.Value, CatalogJson.Default.DatabaseRecord)
                ?? throw new InvalidDataException($"systemdb: empty database record in tx {entry.TxId}"));
        }

        databases.Sort((a, b) => a.Ordinal.CompareTo(b.Ordinal));
        return databases;
    }

    public Task SaveUserAsync(UserRecord user, CancellationToken cancellationToken) =>
        systemDb.SetAsync([new KeyValue(Key(UserPrefix, user.Name), JsonSerializer.SerializeToUtf8Bytes(StoredUser.From(user), CatalogJson.Default.StoredUser))], cancellationToken: cancellationToken);

    /// <summary>Deletes a user's record (a logical delete: its history stays in systemdb, scans no longer see it).</summary>
    public Task DropUserAsync(string name, CancellationToken cancellationToken) =>
        systemDb.DeleteAsync([Key(UserPrefix, name)], cancellationToken: cancellationToken);

    public Task SaveDatabaseAsync(DatabaseRecord database, CancellationToken cancellationToken) =>
        systemDb.SetAsync([new KeyValue(Key(DatabasePrefix, database.Name), JsonSerializer.SerializeToUtf8Bytes(database, CatalogJson.Default.DatabaseRecord))], cancellationToken: cancellationToken);

    private static byte[] Key(string prefix, string name) => Encoding.UTF8.GetBytes(prefix + name);

    private async IAsyncEnumerable<Entry> ScanAllAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        byte[] prefixBytes = Encoding.UTF8.GetBytes(prefix);
        byte[]? seek = null;
        int limit = systemDb.Options.MaxScanLimit;
        while (true)
        {
            var page = await systemDb.ScanAsync(new ScanOptions { Prefix = prefixBytes, SeekKey = seek, Limit = limit }, cancellationToken).ConfigureAwait(false);
            foreach (var entry in page)
            {
                yield return entry;
            }

            if (page.Count < limit)
            {
                yield break;
            }

            seek = page[^1].Key;
        }
    }
}

/// <summary>A database as listed in systemdb.</summary>
/// <param name="Name">The database name (also its folder).</param>
/// <param name="Ordinal">Creation order: defaultdb is 0.</param>
/// <param name="CreatedBy">The user who created it (empty for defaultdb).</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="KeySeparator">What splits its keys into segments for key patterns; null: <c>.</c> (older records have none).</param>
public sealed record DatabaseRecord(string Name, int Ordinal, string CreatedBy, DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? KeySeparator = null)
{
    /// <summary>The separator of key segments in privilege patterns.</summary>
    [JsonIgnore]
    public char Separator => KeySeparator is [char c] ? c : KeyPattern.DefaultSeparator;
}

/// <summary>
/// The persisted shape of a user; versioned so the format can grow. Format 1: name, hash, status, permissions.
/// Format 2 adds the user's own grants and its roles; a user without either is still written as format 1, so a
/// data folder that uses no roles stays readable by servers that predate them.
/// </summary>
internal sealed record StoredUser(
    int Format,
    string Name,
    string PasswordHash,
    bool Active,
    bool SysAdmin,
    Dictionary<string, uint> Permissions,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<StoredGrant>? Grants = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<string>? Roles = null)
{
    private const int Newest = 2;

    public static StoredUser From(UserRecord user)
    {
        bool extended = user.Grants.Count > 0 || user.Roles.Count > 0;
        return new(
            extended ? 2 : 1,
            user.Name,
            user.PasswordHash,
            user.Active,
            user.SysAdmin,
            user.Permissions.ToDictionary(p => p.Key, p => (uint)p.Value, StringComparer.Ordinal),
            user.CreatedBy,
            user.CreatedAt,
            extended ? [.. user.Grants.Select(StoredGrant.From)] : null,
            extended ? [.. user.Roles] : null);
    }

    public UserRecord ToRecord() => Format is < 1 or > Newest
        ? throw new InvalidDataException($"systemdb: user record format {Format} is newer than this server understands")
        : new UserRecord(Name, PasswordHash, Active, SysAdmin, Permissions.ToDictionary(p => p.Key, p => (Permission)p.Value, StringComparer.Ordinal), CreatedBy, CreatedAt)
        {
            Grants = [.. (Grants ?? []).Select(g => g.ToGrant())],
            Roles = [.. Roles ?? []],
        };
}

/// <summary>The persisted shape of a grant: the privilege by name (never by number), database, pattern.</summary>
internal sealed record StoredGrant(string Privilege, string Database, string Pattern)
{
    public static StoredGrant From(Grant grant) => new(grant.Privilege.Name(), grant.Database, grant.Pattern);

    public Grant ToGrant() => Privileges.TryParse(Privilege, out var privilege)
        ? new Grant(privilege, Database, Pattern)
        : throw new InvalidDataException($"systemdb: unknown privilege '{Privilege}' in a grant");
}

/// <summary>The persisted shape of a role (format 1); a dropped role is a tombstone so its history stays.</summary>
internal sealed record StoredRole(int Format, string Name, List<StoredGrant> Grants, string CreatedBy, DateTimeOffset CreatedAt, bool Dropped)
{
    public static StoredRole From(RoleRecord role, bool dropped) =>
        new(1, role.Name, [.. role.Grants.Select(StoredGrant.From)], role.CreatedBy, role.CreatedAt, dropped);

    public RoleRecord ToRecord() => Format != 1
        ? throw new InvalidDataException($"systemdb: role record format {Format} is newer than this server understands")
        : new RoleRecord(Name, [.. Grants.Select(g => g.ToGrant())], CreatedBy, CreatedAt);
}

[JsonSerializable(typeof(StoredUser))]
[JsonSerializable(typeof(StoredRole))]
[JsonSerializable(typeof(DatabaseRecord))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class CatalogJson : JsonSerializerContext;
