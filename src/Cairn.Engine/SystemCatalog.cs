// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cairn.Security;
using Cairn.Storage;

namespace Cairn.Engine;

/// <summary>
/// The records kept in systemdb: one key per user (<c>user:NAME</c>) and per database (<c>database:NAME</c>),
/// each a JSON document. Every change writes the whole record again as a new transaction, so systemdb's
/// history is the audit of who was created, granted, deactivated and when, with the same proofs as any data.
/// </summary>
internal sealed class SystemCatalog(Database systemDb)
{
    private const string UserPrefix = "user:";
    private const string DatabasePrefix = "database:";

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
public sealed record DatabaseRecord(string Name, int Ordinal, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>The persisted shape of a user; versioned so the format can grow.</summary>
internal sealed record StoredUser(
    int Format,
    string Name,
    string PasswordHash,
    bool Active,
    bool SysAdmin,
    Dictionary<string, uint> Permissions,
    string CreatedBy,
    DateTimeOffset CreatedAt)
{
    public static StoredUser From(UserRecord user) => new(
        1,
        user.Name,
        user.PasswordHash,
        user.Active,
        user.SysAdmin,
        user.Permissions.ToDictionary(p => p.Key, p => (uint)p.Value, StringComparer.Ordinal),
        user.CreatedBy,
        user.CreatedAt);

    public UserRecord ToRecord() => Format != 1
        ? throw new InvalidDataException($"systemdb: user record format {Format} is newer than this server understands")
        : new UserRecord(Name, PasswordHash, Active, SysAdmin, Permissions.ToDictionary(p => p.Key, p => (Permission)p.Value, StringComparer.Ordinal), CreatedBy, CreatedAt);
}

[JsonSerializable(typeof(StoredUser))]
[JsonSerializable(typeof(DatabaseRecord))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class CatalogJson : JsonSerializerContext;
