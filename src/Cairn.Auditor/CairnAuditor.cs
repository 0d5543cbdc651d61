// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;
using Cairn.Client;
using Cairn.Client.State;
using Cairn.Verification;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Auditor;

/// <summary>
/// The audit loop. Each run logs in afresh (tokens end when the server restarts) and, for every watched database:
/// proves that the server's newest state extends the last state the auditor trusted (the trust file), then re-reads
/// a random sample of transactions with verified calls, and key-value entries of them with verified gets, so that an
/// altered header or value surfaces even when the tree over all transactions was left intact.
/// </summary>
/// <remarks>
/// Outcomes: any failed proof, signature or consistency check, or a server that itself reports damaged data, is
/// <see cref="AuditOutcome.Tampered"/>, recorded in the verdict file and reported on every later run, even across
/// restarts of the auditor (see <see cref="VerdictStore"/>). A server that cannot be reached is
/// <see cref="AuditOutcome.Unreachable"/>, never tampered: nothing was checked.
/// </remarks>
public sealed class CairnAuditor : IDisposable
{
    private const string SystemDatabase = "systemdb";

    private readonly AuditorOptions _options;
    private readonly ILogger _logger;
    private readonly AuditMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly FileStateStore _trust;
    private readonly VerdictStore _verdicts;
    private readonly string _server;

    /// <summary>Opens the trust and verdict files; nothing is sent until the first run.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="InvalidDataException">The verdict file cannot be read.</exception>
    public CairnAuditor(AuditorOptions options, ILogger logger, AuditMetrics? metrics = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options;
        _logger = logger;
        _metrics = metrics;
        _time = time ?? TimeProvider.System;
        _trust = new FileStateStore(options.StateFile);
        _verdicts = new VerdictStore(VerdictStore.PathFor(options.StateFile));
        _server = new Uri(options.ServerUrl).Authority;
    }

    /// <summary>The server as named in the metrics and logs (<c>host:port</c>).</summary>
    public string Server => _server;

    /// <summary>The verdicts recorded so far.</summary>
    public VerdictStore Verdicts => _verdicts;

    /// <summary>Runs at once, then every <see cref="AuditorOptions.Interval"/> until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        AuditLog.Starting(_logger, _server, _options.Interval,
            _options.Databases.Count == 0 ? "all the user can list" : string.Join(", ", _options.Databases), _options.SampleSize, _trust.Path);
        using var timer = new PeriodicTimer(_options.Interval, _time);
        try
        {
            do
            {
                await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One run over every watched database; the result is logged and exported to the metrics.</summary>
    public async Task<AuditRun> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var startedAt = _time.GetUtcNow();
        var watch = Stopwatch.StartNew();
        AuditRun run;
        try
        {
            var (outcome, databases, reason) = await AuditServerAsync(cancellationToken).ConfigureAwait(false);
            run = new AuditRun(_server, outcome, databases, startedAt, watch.Elapsed, reason);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A bug or a local fault (e.g. the trust file cannot be written) must not end the loop: report and go on.
            AuditLog.Unexpected(_logger, e);
            run = new AuditRun(_server, AuditOutcome.Failed, [], startedAt, watch.Elapsed, e.Message);
        }

        AuditLog.RunDone(_logger, _server, run.Outcome, (long)run.Duration.TotalMilliseconds);
        _metrics?.Record(run);
        return run;
    }

    /// <inheritdoc />
    public void Dispose() => _trust.Dispose();

    private async Task<(AuditOutcome Outcome, IReadOnlyList<DatabaseAudit> Databases, string? Reason)> AuditServerAsync(CancellationToken cancellationToken)
    {
        TrustedServer? before;
        try
        {
            before = await _trust.LoadAsync(_options.ServerUrl, cancellationToken).ConfigureAwait(false);
        }
        catch (IntegrityException e)
        {
            AuditLog.RunFailed(_logger, _server, e.Message);
            return (AuditOutcome.Failed, [], e.Message);
        }

        var results = new List<DatabaseAudit>();
        await using var client = new CairnClient(new CairnClientOptions
        {
            Address = _options.ServerUrl,
            StateStore = _trust,
            ServerSigningPublicKey = _options.ServerSigningPublicKey,
            CallTimeout = _options.CallTimeout,
            TrustedCertificateAuthorities = _options.TrustedCertificateAuthorities,
            ClientCertificate = _options.ClientCertificate,
        });

        IReadOnlyList<string> databases;
        try
        {
            databases = await LoginAsync(client, cancellationToken).ConfigureAwait(false);
        }
        catch (CairnConnectionException e)
        {
            string reason = Explain(e);
            AuditLog.Unreachable(_logger, _server, reason);
            var known = _options.Databases.Count > 0 ? _options.Databases : [.. before?.States.Keys ?? []];
            results.AddRange(known.Select(db => Unchecked(db, before, AuditOutcome.Unreachable, reason)));
            return (AuditRun.Worst([AuditOutcome.Unreachable, .. results.Select(r => r.Outcome)]), results, reason);
        }
        catch (CairnException e)
        {
            AuditLog.RunFailed(_logger, _server, e.Message);
            return (AuditOutcome.Failed, [], e.Message);
        }

        string? unreachable = null;
        foreach (string database in databases)
        {
            if (unreachable is not null)
            {
                results.Add(Unchecked(database, before, AuditOutcome.Unreachable, unreachable));
                continue;
            }

            var result = await AuditDatabaseAsync(client, database, before, cancellationToken).ConfigureAwait(false);
            if (result.Outcome == AuditOutcome.Unreachable)
            {
                unreachable = result.Reason;
                AuditLog.Unreachable(_logger, _server, result.Reason ?? "");
            }

            results.Add(result);
        }

        return (AuditRun.Worst(results.Select(r => r.Outcome)), results, unreachable);
    }

    // Logs in, then names the databases to audit: the configured ones, or all the user can list.
    private async Task<IReadOnlyList<string>> LoginAsync(CairnClient client, CancellationToken cancellationToken)
    {
        string first = _options.Databases.Count > 0 ? _options.Databases[0] : "defaultdb";
        try
        {
            await client.LoginAsync(_options.User, _options.Password, first, cancellationToken).ConfigureAwait(false);
        }
        catch (CairnPermissionException) when (_options.Databases.Count == 0)
        {
            // Logged in, but the user may not use defaultdb: listing needs only the login.
        }

        if (_options.Databases.Count > 0)
        {
            return _options.Databases;
        }

        var listed = await client.ListDatabasesAsync(cancellationToken).ConfigureAwait(false);
        return [.. listed.Select(d => d.Name)];
    }

    private async Task<DatabaseAudit> AuditDatabaseAsync(CairnClient client, string database, TrustedServer? before, CancellationToken cancellationToken)
    {
        ulong previous = before?.States.GetValueOrDefault(database)?.TxId ?? 0;
        if (_verdicts.Find(_options.ServerUrl, database) is { } verdict)
        {
            AuditLog.StillTampered(_logger, _server, database, verdict.Since, verdict.Reason, _verdicts.Path);
            return new DatabaseAudit(database, AuditOutcome.Tampered, previous, previous, 0, 0, verdict.Reason);
        }

        int txs = 0;
        int entries = 0;
        try
        {
            await client.UseDatabaseAsync(database, cancellationToken).ConfigureAwait(false);
            var state = await client.VerifiedStateAsync(cancellationToken).ConfigureAwait(false);
            if (previous == 0)
            {
                AuditLog.FirstContact(_logger, _server, database, state.TxId);
            }

            foreach (ulong txId in ChooseTxs(state.TxId, _options.SampleSize))
            {
                entries += await SampleTxAsync(client, database, txId, cancellationToken).ConfigureAwait(false);
                txs++;
            }

            AuditLog.DatabaseOk(_logger, _server, database, previous, state.TxId, txs, entries);
            return new DatabaseAudit(database, AuditOutcome.Ok, previous, state.TxId, txs, entries, null);
        }
        catch (CairnIntegrityException e)
        {
            return Tampered(client, database, previous, txs, entries, $"{e.Failure}: {e.Message}");
        }
        catch (CairnException e) when (e.Status == StatusCode.DataLoss)
        {
            // The server's own checks found its files damaged: the stored history is not what was committed.
            return Tampered(client, database, previous, txs, entries, "the server reports damaged data: " + e.Message);
        }
        catch (CairnConnectionException e)
        {
            return new DatabaseAudit(database, AuditOutcome.Unreachable, previous, Trusted(client, previous), txs, entries, Explain(e));
        }
        catch (CairnException e)
        {
            AuditLog.DatabaseFailed(_logger, _server, database, e.Message);
            return new DatabaseAudit(database, AuditOutcome.Failed, previous, Trusted(client, previous), txs, entries, e.Message);
        }
    }

    // Re-reads one transaction (its entries must rebuild its header, the header must link to the trusted state),
    // then some of its key-value entries by key at that tx (the value must hash to what the tx holds).
    private async Task<int> SampleTxAsync(CairnClient client, string database, ulong txId, CancellationToken cancellationToken)
    {
        var tx = await client.VerifiedTxByIdAsync(txId, cancellationToken).ConfigureAwait(false);
        if (database == SystemDatabase)
        {
            // systemdb answers only the verification calls: its txs are checked, its values cannot be read.
            return 0;
        }

        // Plain keys (prefix 0) without metadata: deleted or expiring entries may rightly not be readable.
        var candidates = tx.Entries.Where(e => e.StoredKey.Length > 0 && e.StoredKey[0] == 0 && e.Metadata is null).ToArray();
        Random.Shared.Shuffle(candidates);
        int read = 0;
        foreach (var entry in candidates.Take(_options.EntriesPerTx))
        {
            try
            {
                await client.VerifiedGetAtAsync(entry.StoredKey[1..], txId, cancellationToken).ConfigureAwait(false);
                read++;
            }
            catch (CairnNotFoundException e)
            {
                // A reference whose target was deleted since: nothing to prove, and nothing was proven wrong.
                AuditLog.EntrySkipped(_logger, _server, database, txId, e.Message);
            }
        }

        AuditLog.TxSampled(_logger, _server, database, txId, read);
        return read;
    }

    private DatabaseAudit Tampered(CairnClient client, string database, ulong previous, int txs, int entries, string reason)
    {
        AuditLog.DatabaseTampered(_logger, _server, database, reason);
        _verdicts.Record(_options.ServerUrl, database, reason, _time.GetUtcNow());
        return new DatabaseAudit(database, AuditOutcome.Tampered, previous, Trusted(client, previous), txs, entries, reason);
    }

    private DatabaseAudit Unchecked(string database, TrustedServer? before, AuditOutcome outcome, string reason)
    {
        ulong previous = before?.States.GetValueOrDefault(database)?.TxId ?? 0;
        return _verdicts.Find(_options.ServerUrl, database) is { } verdict
            ? new DatabaseAudit(database, AuditOutcome.Tampered, previous, previous, 0, 0, verdict.Reason)
            : new DatabaseAudit(database, outcome, previous, previous, 0, 0, reason);
    }

    // The client's reason, and for a TLS failure the option of cairn audit to change.
    private string Explain(CairnConnectionException e) => e.Message + e.Failure switch
    {
        CairnConnectionFailure.ServerCertificateNotTrusted when _options.TrustedCertificateAuthorities is null =>
            "; to trust a private CA or a self-signed certificate, give it with --tls-ca FILE",
        CairnConnectionFailure.ServerRequiresTls => "; audit with --tls (and --tls-ca FILE for a private CA)",
        CairnConnectionFailure.ServerWithoutTls => "; audit without --tls, --tls-ca, --tls-cert and --tls-key (and CAIRN_AUDIT_TLS*), or check the port",
        CairnConnectionFailure.ClientCertificateRefused when _options.ClientCertificate is null => "; give a client certificate with --tls-cert FILE --tls-key FILE",
        _ => string.Empty,
    };

    private static ulong Trusted(CairnClient client, ulong fallback) => client.TrustedState?.TxId ?? fallback;

    /// <summary>All txs 1…<paramref name="lastTx"/> when there are no more than <paramref name="count"/>, else that many distinct ones at random, ascending.</summary>
    internal static IReadOnlyList<ulong> ChooseTxs(ulong lastTx, int count)
    {
        if (count <= 0 || lastTx == 0)
        {
            return [];
        }

        if (lastTx <= (ulong)count)
        {
            var all = new List<ulong>((int)lastTx);
            for (ulong id = 1; id <= lastTx; id++)
            {
                all.Add(id);
            }

            return all;
        }

        var chosen = new HashSet<ulong>();
        while (chosen.Count < count)
        {
            chosen.Add((ulong)Random.Shared.NextInt64(1, (long)Math.Min(lastTx, long.MaxValue - 1) + 1));
        }

        return [.. chosen.Order()];
    }
}
