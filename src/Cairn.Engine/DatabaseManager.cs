// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage;
using Microsoft.Extensions.Logging;

namespace Cairn.Engine;

/// <summary>
/// The databases of one data folder: systemdb (the catalog), defaultdb and every database created since, each
/// in a sub-folder named after it and listed in systemdb in creation order.
/// </summary>
public sealed class DatabaseManager : IDisposable
{
    private readonly EngineOptions _options;
    private readonly ILogger _logger;
    private readonly SystemCatalog _catalog;
    private readonly SemaphoreSlim _createLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DatabaseRecord Record, Database Database)> _open = new(StringComparer.Ordinal);
    private List<DatabaseRecord> _ordered = [];
    private (DatabaseRecord Record, Database Database)? _audit;
    private bool _disposed;

    private DatabaseManager(EngineOptions options, Database systemDb)
    {
        _options = options;
        _logger = options.LoggerFactory.CreateLogger("Cairn.Engine.Databases");
        _catalog = new SystemCatalog(systemDb);
    }

    /// <summary>systemdb: users, databases and settings, itself a verifiable database.</summary>
    public Database SystemDatabase => _catalog.Database;

    /// <summary>auditdb: the audit trail, a verifiable database written by the server only (not in <see cref="List"/>).</summary>
    public Database AuditDatabase => _audit?.Database ?? throw new InvalidOperationException("auditdb is not open");

    /// <summary>auditdb's record, for listings shown to those allowed to read it.</summary>
    public DatabaseRecord AuditRecord => _audit?.Record ?? throw new InvalidOperationException("auditdb is not open");

    internal SystemCatalog Catalog => _catalog;

    /// <summary>The user databases in creation order (defaultdb first; systemdb is never listed).</summary>
    public IReadOnlyList<DatabaseRecord> List()
    {
        lock (_gate)
        {
            return _ordered;
        }
    }

    /// <summary>The open database called <paramref name="name"/>, or null when there is none.</summary>
    public Database? Find(string name)
    {
        lock (_gate)
        {
            return _open.TryGetValue(name, out var entry) ? entry.Database : null;
        }
    }

    /// <summary>The record of <paramref name="name"/>, or null.</summary>
    public DatabaseRecord? FindRecord(string name)
    {
        lock (_gate)
        {
            return _open.TryGetValue(name, out var entry) ? entry.Record : null;
        }
    }

    internal static async Task<DatabaseManager> OpenAsync(EngineOptions options, CancellationToken cancellationToken)
    {
        var systemDb = Database.Open(Path.Combine(options.DataDirectory, DatabaseNames.System), DatabaseTemplate(options, DatabaseNames.System));
        var manager = new DatabaseManager(options, systemDb);
        try
        {
            var records = await manager._catalog.LoadDatabasesAsync(cancellationToken).ConfigureAwait(false);
            if (records.Count == 0)
            {
                var defaultRecord = new DatabaseRecord(DatabaseNames.Default, 0, string.Empty, options.Time.GetUtcNow());
                await manager._catalog.SaveDatabaseAsync(defaultRecord, cancellationToken).ConfigureAwait(false);
                records.Add(defaultRecord);
            }

            if (records.Any(r => r.Name == DatabaseNames.Audit))
            {
                throw EngineException.Invalid($"a user database named '{DatabaseNames.Audit}' exists, but the name is now reserved for the audit trail; rename its folder and catalog entry with an older version first");
            }

            foreach (var record in records)
            {
                manager.OpenExisting(record);
            }

            manager.OpenAudit();
            return manager;
        }
        catch
        {
            manager.Dispose();
            throw;
        }
    }

    /// <summary>Creates a database and records it in systemdb.</summary>
    /// <exception cref="EngineException">The name is invalid or taken.</exception>
    public async Task<DatabaseRecord> CreateAsync(string name, string createdBy, CancellationToken cancellationToken = default)
    {
        if (DatabaseNames.Problem(name) is { } problem)
        {
            throw EngineException.Invalid(problem);
        }

        await _createLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DatabaseRecord record;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_open.ContainsKey(name))
                {
                    throw new EngineException(EngineErrorCode.AlreadyExists, $"database '{name}' already exists");
                }

                record = new DatabaseRecord(name, _ordered.Count == 0 ? 0 : _ordered[^1].Ordinal + 1, createdBy, _options.Time.GetUtcNow());
            }

            // Recorded first: a crash before the folder exists leaves a listed database that the next start creates.
            await _catalog.SaveDatabaseAsync(record, cancellationToken).ConfigureAwait(false);
            OpenExisting(record);
            EngineLog.DatabaseCreated(_logger, name, createdBy);
            return record;
        }
        finally
        {
            _createLock.Release();
        }
    }

    /// <summary>Replaces the record of an existing user database (its settings), durably in systemdb first.</summary>
    /// <exception cref="EngineException">There is no such user database.</exception>
    public async Task<DatabaseRecord> UpdateAsync(string name, Func<DatabaseRecord, DatabaseRecord> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        await _createLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DatabaseRecord current;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                current = _ordered.FirstOrDefault(r => r.Name == name)
                    ?? throw new EngineException(EngineErrorCode.NotFound, $"database '{name}' does not exist");
            }

            var changed = change(current) with { Name = current.Name, Ordinal = current.Ordinal };
            await _catalog.SaveDatabaseAsync(changed, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _open[name] = (changed, _open[name].Database);
                _ordered = [.. _ordered.Select(r => r.Name == name ? changed : r)];
            }

            return changed;
        }
        finally
        {
            _createLock.Release();
        }
    }

    private void OpenExisting(DatabaseRecord record)
    {
        var database = Database.Open(Path.Combine(_options.DataDirectory, record.Name), DatabaseTemplate(_options, record.Name));
        lock (_gate)
        {
            _open[record.Name] = (record, database);
            _ordered = [.. _ordered, record];
        }

        EngineLog.DatabaseOpened(_logger, record.Name, database.LastTxId);
    }

    // Opened at every start like systemdb and not recorded in the catalog; Find knows it so that UseDatabase and
    // the read calls reach it, while List (user databases) leaves it out.
    private void OpenAudit()
    {
        var template = DatabaseTemplate(_options, DatabaseNames.Audit);
        var database = Database.Open(Path.Combine(_options.DataDirectory, DatabaseNames.Audit),
            template with { MaxValueLength = Math.Max(template.MaxValueLength, 1 << 20) });
        var record = new DatabaseRecord(DatabaseNames.Audit, -1, string.Empty, _options.Time.GetUtcNow());
        lock (_gate)
        {
            _open[DatabaseNames.Audit] = (record, database);
            _audit = (record, database);
        }

        EngineLog.DatabaseOpened(_logger, DatabaseNames.Audit, database.LastTxId);
    }

    private static DatabaseOptions DatabaseTemplate(EngineOptions options, string name) => options.DatabaseTemplate with
    {
        Name = name,
        CreateIfMissing = true,
        Logger = options.LoggerFactory.CreateLogger("Cairn.Storage." + name),
    };

    /// <summary>Finishes queued commits and closes every database, systemdb last.</summary>
    public void Dispose()
    {
        List<Database> toClose;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            toClose = [.. _open.Values.Select(v => v.Database)];
            _open.Clear();
            _ordered = [];
        }

        foreach (var database in toClose)
        {
            Close(database);
        }

        Close(_catalog.Database);
        _createLock.Dispose();
    }

    private void Close(Database database)
    {
        try
        {
            database.Dispose();
        }
        catch (Exception e) when (e is IOException or StorageException)
        {
            EngineLog.CloseFailed(_logger, e, database.Name);
        }
    }
}
