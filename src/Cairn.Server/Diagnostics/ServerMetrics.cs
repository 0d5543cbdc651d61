// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections.Concurrent;
using System.Collections.Frozen;
using Cairn.Engine;
using Cairn.Server.Grpc;
using Cairn.Storage;
using Grpc.Core;
using Prometheus;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Diagnostics;

/// <summary>
/// The server's Prometheus metrics, in a registry of its own so that two servers in one process do not share
/// counts. Calls and commits are counted as they happen, through label children cached per method and per
/// database, so a call costs a dictionary lookup and two atomic updates. Everything that is state (tx ids, index
/// lag, sizes, sessions, logins) is read from the engine when scraped, so it costs nothing between scrapes.
/// </summary>
public sealed class ServerMetrics : IGrpcCallObserver, ICommitObserver
{
    private const string OtherMethod = "other";

    private readonly Counter _requests;
    private readonly Histogram _requestDuration;
    private readonly FrozenDictionary<string, MethodMetrics> _methods;
    private readonly MethodMetrics _otherMethod;

    private readonly Counter _commitTxs;
    private readonly Counter _commitEntries;
    private readonly Counter _commitBytes;
    private readonly Histogram _groupTxs;
    private readonly Histogram _syncDuration;
    private readonly ConcurrentDictionary<string, CommitMetrics> _commits = new(StringComparer.Ordinal);

    private readonly Gauge _lastTxId;
    private readonly Gauge _indexedTxId;
    private readonly Gauge _indexLag;
    private readonly Gauge _sizeBytes;
    private readonly Gauge _healthy;
    private readonly Gauge _databases;
    private readonly Gauge _sessions;
    private readonly Counter _logins;
    private readonly Counter.Child _invalidCredentials;
    private readonly Counter.Child _inactiveUser;
    private readonly Counter.Child _throttled;
    private readonly Counter _auditRecords;
    private readonly Gauge _auditQueue;
    private CairnEngine? _engine;

    /// <summary>Creates the metrics; <see cref="Attach"/> connects the engine once it is open.</summary>
    /// <param name="version">The server version, exported as <c>cairn_build_info</c>.</param>
    public ServerMetrics(string version)
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);

        // Exemplars would read Activity.Current on every observation; nothing here uses them.
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();

        factory.CreateGauge("cairn_build_info", "Always 1; the version label is the server's version.", "version").WithLabels(version).Set(1);

        _requests = factory.CreateCounter("cairn_grpc_requests_total", "gRPC calls handled, by method and status code.", "method", "code");
        _requestDuration = factory.CreateHistogram("cairn_grpc_request_duration_seconds", "Time from the start of a gRPC call to its handler's end, by method.",
            new HistogramConfiguration { LabelNames = ["method"], Buckets = Histogram.ExponentialBuckets(0.0001, 2.5, 14) });
        _methods = Wire.ImmuService.Descriptor.Methods.ToFrozenDictionary(
            m => "/" + Wire.ImmuService.Descriptor.FullName + "/" + m.Name, m => new MethodMetrics(this, m.Name), StringComparer.Ordinal);
        _otherMethod = new MethodMetrics(this, OtherMethod);

        _commitTxs = factory.CreateCounter("cairn_commit_txs_total", "Transactions committed (durable), by database.", "database");
        _commitEntries = factory.CreateCounter("cairn_commit_entries_total", "Entries in committed transactions, by database.", "database");
        _commitBytes = factory.CreateCounter("cairn_commit_bytes_total", "Log bytes written by commits, by database.", "database");
        _groupTxs = factory.CreateHistogram("cairn_commit_group_txs", "Transactions made durable by one fsync (group commit size), by database.",
            new HistogramConfiguration { LabelNames = ["database"], Buckets = Histogram.ExponentialBuckets(1, 2, 14) });
        _syncDuration = factory.CreateHistogram("cairn_commit_sync_duration_seconds", "Time of the fsync (fdatasync) that makes a commit group durable, by database.",
            new HistogramConfiguration { LabelNames = ["database"], Buckets = Histogram.ExponentialBuckets(0.00005, 2, 16) });

        _lastTxId = factory.CreateGauge("cairn_database_last_tx_id", "The last durable transaction id, by database.", "database");
        _indexedTxId = factory.CreateGauge("cairn_database_indexed_tx_id", "The last transaction the key index has applied, by database.", "database");
        _indexLag = factory.CreateGauge("cairn_database_index_lag_txs", "Transactions durable but not yet indexed (last tx id - indexed tx id), by database.", "database");
        _sizeBytes = factory.CreateGauge("cairn_database_size_bytes", "Bytes of the database's folder on disk (log segments are allocated whole), by database.", "database");
        _healthy = factory.CreateGauge("cairn_database_healthy", "1 while the database accepts writes, 0 after a storage failure stopped it, by database.", "database");
        _databases = factory.CreateGauge("cairn_databases", "User databases (systemdb not counted).");
        _sessions = factory.CreateGauge("cairn_sessions_open", "Sessions open now.");
        _logins = factory.CreateCounter("cairn_logins_total", "Successful credential checks (Login and OpenSession).");
        var failures = factory.CreateCounter("cairn_login_failures_total", "Refused credential checks (Login and OpenSession), by reason.", "reason");
        _invalidCredentials = failures.WithLabels("invalid_credentials");
        _inactiveUser = failures.WithLabels("inactive_user");
        _throttled = failures.WithLabels("throttled");
        _auditRecords = factory.CreateCounter("cairn_audit_records_total", "Audit records by outcome: written (durable in auditdb), dropped (queue full), failed (auditdb refused).", "outcome");
        _auditQueue = factory.CreateGauge("cairn_audit_queue_length", "Audit records waiting to be written.");
    }

    /// <summary>The registry that <c>/metrics</c> exports.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Reads the engine's state on every scrape from now on.</summary>
    public void Attach(CairnEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (Interlocked.CompareExchange(ref _engine, engine, null) is not null)
        {
            throw new InvalidOperationException("an engine is already attached");
        }

        Registry.AddBeforeCollectCallback(Collect);
    }

    /// <inheritdoc />
    public void CallCompleted(string method, StatusCode status, TimeSpan elapsed) =>
        (_methods.GetValueOrDefault(method) ?? _otherMethod).Record(status, elapsed);

    /// <inheritdoc />
    public void GroupCommitted(in CommitGroupInfo group)
    {
        var metrics = _commits.GetOrAdd(group.Database, static (name, self) => new CommitMetrics(self, name), this);
        metrics.Txs.Inc(group.Txs);
        metrics.Entries.Inc(group.Entries);
        metrics.Bytes.Inc(group.Bytes);
        metrics.GroupTxs.Observe(group.Txs);
        metrics.SyncDuration.Observe(group.SyncDuration.TotalSeconds);
    }

    private void Collect()
    {
        if (_engine is not { } engine)
        {
            return;
        }

        var user = engine.Databases.List();
        _databases.Set(user.Count);
        Collect(engine.Databases.SystemDatabase);
        Collect(engine.Databases.AuditDatabase);
        foreach (var record in user)
        {
            if (engine.Databases.Find(record.Name) is { } database)
            {
                Collect(database);
            }
        }

        _sessions.Set(engine.Access.OpenSessions);
        var logins = engine.Access.Logins;
        _logins.IncTo(logins.Succeeded);
        _invalidCredentials.IncTo(logins.InvalidCredentials);
        _inactiveUser.IncTo(logins.InactiveUser);
        _throttled.IncTo(logins.Throttled);
        var audit = engine.Audit;
        _auditRecords.WithLabels("written").IncTo(audit.Written);
        _auditRecords.WithLabels("dropped").IncTo(audit.Dropped);
        _auditRecords.WithLabels("failed").IncTo(audit.Failed);
        _auditQueue.Set(audit.Pending);
    }

    private void Collect(Database database)
    {
        string name = database.Name;
        ulong last = database.LastTxId;
        ulong indexed = database.IndexedTxId;
        _lastTxId.WithLabels(name).Set(last);
        _indexedTxId.WithLabels(name).Set(indexed);
        _indexLag.WithLabels(name).Set(last > indexed ? last - indexed : 0);
        _healthy.WithLabels(name).Set(database.Failure is null ? 1 : 0);
        _sizeBytes.WithLabels(name).Set(FolderSize(database.Folder));
    }

    // A database is a few dozen files; their sizes come with the directory listing, without a stat each.
    private static long FolderSize(string folder)
    {
        long total = 0;
        try
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                total += file.Length;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // RocksDB removes files while compacting; a scrape then reports what it could count.
        }

        return total;
    }

    /// <summary>One method's children, created on first use so unused methods add no series.</summary>
    private sealed class MethodMetrics(ServerMetrics owner, string name)
    {
        private readonly Counter.Child?[] _byStatus = new Counter.Child?[(int)StatusCode.Unauthenticated + 1];
        private Histogram.Child? _duration;

        public void Record(StatusCode status, TimeSpan elapsed)
        {
            (_duration ??= owner._requestDuration.WithLabels(name)).Observe(elapsed.TotalSeconds);
            int index = (int)status is >= 0 and <= (int)StatusCode.Unauthenticated ? (int)status : (int)StatusCode.Unknown;
            (_byStatus[index] ??= owner._requests.WithLabels(name, ((StatusCode)index).ToString())).Inc();
        }
    }

    private sealed class CommitMetrics(ServerMetrics owner, string database)
    {
        public Counter.Child Txs { get; } = owner._commitTxs.WithLabels(database);

        public Counter.Child Entries { get; } = owner._commitEntries.WithLabels(database);

        public Counter.Child Bytes { get; } = owner._commitBytes.WithLabels(database);

        public Histogram.Child GroupTxs { get; } = owner._groupTxs.WithLabels(database);

        public Histogram.Child SyncDuration { get; } = owner._syncDuration.WithLabels(database);
    }
}
