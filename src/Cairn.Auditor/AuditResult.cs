// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Auditor;

/// <summary>What one run found, for one database or for the whole server (the worst of its databases).</summary>
public enum AuditOutcome
{
    /// <summary>Every check verified.</summary>
    Ok,

    /// <summary>
    /// A check failed: the history does not extend the trusted state, a proof or signature did not verify, or the
    /// server reported damaged data. Sticky: reported until an operator clears the verdict.
    /// </summary>
    Tampered,

    /// <summary>The server could not be reached (or did not answer in time): nothing was checked.</summary>
    Unreachable,

    /// <summary>The server answered but the audit could not be made (login refused, no permission, another error).</summary>
    Failed,
}

/// <summary>The audit of one database in one run.</summary>
/// <param name="Database">The database.</param>
/// <param name="Outcome">What was found.</param>
/// <param name="PreviousTx">The trusted tx before the run (0: first contact).</param>
/// <param name="CurrentTx">The newest tx verified by the run (the previous one when nothing new was verified).</param>
/// <param name="SampledTxs">Transactions re-read with verified calls.</param>
/// <param name="SampledEntries">Entries re-read with verified gets.</param>
/// <param name="Reason">Why the outcome is not <see cref="AuditOutcome.Ok"/>.</param>
public sealed record DatabaseAudit(string Database, AuditOutcome Outcome, ulong PreviousTx, ulong CurrentTx, int SampledTxs, int SampledEntries, string? Reason);

/// <summary>One run over a server.</summary>
/// <param name="Server">The server address as configured.</param>
/// <param name="Outcome">Tampered if any database is, else unreachable, else failed, else ok.</param>
/// <param name="Databases">Per database, in the order audited.</param>
/// <param name="StartedAt">When the run started.</param>
/// <param name="Duration">How long it took.</param>
/// <param name="Reason">Why the whole run is unreachable or failed (e.g. the login), if it is.</param>
public sealed record AuditRun(string Server, AuditOutcome Outcome, IReadOnlyList<DatabaseAudit> Databases, DateTimeOffset StartedAt, TimeSpan Duration, string? Reason)
{
    /// <summary>The process exit code for <c>cairn audit --once</c>: 0 ok, 3 tampered, 4 unreachable, 5 failed.</summary>
    public int ExitCode => Outcome switch
    {
        AuditOutcome.Ok => 0,
        AuditOutcome.Tampered => 3,
        AuditOutcome.Unreachable => 4,
        _ => 5,
    };

    /// <summary>The worst outcome: tampered over unreachable over failed over ok.</summary>
    public static AuditOutcome Worst(IEnumerable<AuditOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var all = outcomes.ToList();
        return all.Contains(AuditOutcome.Tampered) ? AuditOutcome.Tampered
            : all.Contains(AuditOutcome.Unreachable) ? AuditOutcome.Unreachable
            : all.Contains(AuditOutcome.Failed) ? AuditOutcome.Failed
            : AuditOutcome.Ok;
    }
}
