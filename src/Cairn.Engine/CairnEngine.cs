// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Engine.Audit;

namespace Cairn.Engine;

/// <summary>
/// One data folder served: its identity, its databases and its users. Front ends hold one of these and call
/// nothing below it.
/// </summary>
public sealed class CairnEngine : IDisposable
{
    private CairnEngine(EngineOptions options, string identity, DatabaseManager databases, AccessManager access, AuditTrail audit)
    {
        Options = options;
        Identity = identity;
        Databases = databases;
        Access = access;
        Audit = audit;
        StartedAt = options.Time.GetUtcNow();
    }

    /// <summary>The options it runs with.</summary>
    public EngineOptions Options { get; }

    /// <summary>The server identity sent as <c>immudb-uuid</c>.</summary>
    public string Identity { get; }

    /// <summary>The databases.</summary>
    public DatabaseManager Databases { get; }

    /// <summary>Users, logins, sessions and authorization.</summary>
    public AccessManager Access { get; }

    /// <summary>The audit trail front ends report authentication, authorization and queries to.</summary>
    public AuditTrail Audit { get; }

    /// <summary>When the engine started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Opens (creating on first use) the data folder: systemdb, defaultdb, the admin user, every database.</summary>
    public static async Task<CairnEngine> OpenAsync(EngineOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        string directory = Path.GetFullPath(options.DataDirectory);
        options = options with { DataDirectory = directory };
        var logger = options.LoggerFactory.CreateLogger("Cairn.Engine");
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            EngineLog.DataFolderCreated(logger, directory);
        }

        string identity = ServerIdentity.LoadOrCreate(directory);
        var databases = await DatabaseManager.OpenAsync(options, cancellationToken).ConfigureAwait(false);
        AccessManager? access = null;
        try
        {
            access = await AccessManager.OpenAsync(options, databases, cancellationToken).ConfigureAwait(false);
            var audit = await AuditTrail.StartAsync(databases.AuditDatabase, options.Audit, options.LoggerFactory.CreateLogger("Cairn.Engine.Audit"), cancellationToken).ConfigureAwait(false);
            return new CairnEngine(options, identity, databases, access, audit);
        }
        catch
        {
            access?.Dispose();
            databases.Dispose();
            throw;
        }
    }

    /// <summary>Ends sessions, drains the audit queue, then closes every database after its queued commits.</summary>
    public void Dispose()
    {
        Access.Dispose();

        // The audit writer needs auditdb open until its last batch is durable.
        Audit.Dispose();
        Databases.Dispose();
    }
}
