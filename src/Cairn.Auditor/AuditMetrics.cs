// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Prometheus;

namespace Cairn.Auditor;

/// <summary>
/// The auditor's Prometheus metrics, in a registry of their own (no process metrics, nothing shared with a host):
/// <list type="bullet">
/// <item><c>cairn_audit_result{server,database}</c>: 1 ok, 0 tampered (sticky); left as it was while the server is unreachable.</item>
/// <item><c>cairn_audit_previous_tx</c>, <c>cairn_audit_current_tx{server,database}</c>: the trusted tx before and after the last check.</item>
/// <item><c>cairn_audit_last_run_timestamp_seconds{server,database}</c>: when the last check that reached a verdict started.</item>
/// <item><c>cairn_audit_up{server}</c>: 1 when the last run reached the server, else 0.</item>
/// <item><c>cairn_audit_runs_total{server,outcome}</c> and <c>cairn_audit_run_duration_seconds{server}</c>.</item>
/// </list>
/// </summary>
public sealed class AuditMetrics
{
    private readonly Gauge _result;
    private readonly Gauge _previousTx;
    private readonly Gauge _currentTx;
    private readonly Gauge _lastRun;
    private readonly Gauge _up;
    private readonly Gauge _duration;
    private readonly Counter _runs;

    /// <summary>Creates the metrics in a new registry.</summary>
    public AuditMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        string[] perDatabase = ["server", "database"];
        _result = factory.CreateGauge("cairn_audit_result", "Audit verdict per database: 1 ok, 0 tampered (stays 0 until the verdict is cleared).", perDatabase);
        _previousTx = factory.CreateGauge("cairn_audit_previous_tx", "The trusted tx id before the last check.", perDatabase);
        _currentTx = factory.CreateGauge("cairn_audit_current_tx", "The newest tx id verified by the last check.", perDatabase);
        _lastRun = factory.CreateGauge("cairn_audit_last_run_timestamp_seconds", "Unix time of the last check that reached a verdict (ok or tampered).", perDatabase);
        _up = factory.CreateGauge("cairn_audit_up", "1 when the last run reached the server, 0 when it could not.", ["server"]);
        _duration = factory.CreateGauge("cairn_audit_run_duration_seconds", "How long the last run took.", ["server"]);
        _runs = factory.CreateCounter("cairn_audit_runs_total", "Audit runs by outcome (ok, tampered, unreachable, failed).", ["server", "outcome"]);
    }

    /// <summary>The registry to serve.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Exports one run.</summary>
    public void Record(AuditRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        bool reached = run.Outcome != AuditOutcome.Unreachable && run.Databases.All(d => d.Outcome != AuditOutcome.Unreachable);
        _up.WithLabels(run.Server).Set(reached ? 1 : 0);
        _duration.WithLabels(run.Server).Set(run.Duration.TotalSeconds);
        _runs.WithLabels(run.Server, run.Outcome.ToString().ToLowerInvariant()).Inc();
        foreach (var database in run.Databases)
        {
            // An unreachable server or a failed audit proves nothing either way: keep the last verdict.
            if (database.Outcome is not (AuditOutcome.Ok or AuditOutcome.Tampered))
            {
                continue;
            }

            _result.WithLabels(run.Server, database.Database).Set(database.Outcome == AuditOutcome.Ok ? 1 : 0);
            _previousTx.WithLabels(run.Server, database.Database).Set(database.PreviousTx);
            _currentTx.WithLabels(run.Server, database.Database).Set(database.CurrentTx);
            _lastRun.WithLabels(run.Server, database.Database).Set(run.StartedAt.ToUnixTimeMilliseconds() / 1000.0);
        }
    }
}
