// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Auditor;

/// <summary>
/// The auditor's log messages (event ids 6000–6099). Levels: a run's summary is Information, a tampered database
/// Error (every run while the verdict stands), an unreachable server or a failed audit Warning, sampled reads Debug.
/// </summary>
internal static partial class AuditLog
{
    [LoggerMessage(6000, LogLevel.Information, "Cairn auditor metrics on {Address}:{Port}")]
    public static partial void MetricsListening(ILogger logger, string address, int port);

    [LoggerMessage(6001, LogLevel.Information, "auditing {Server} every {Interval}, databases: {Databases}, sample {Sample} txs, state file {StateFile}")]
    public static partial void Starting(ILogger logger, string server, TimeSpan interval, string databases, int sample, string stateFile);

    [LoggerMessage(6002, LogLevel.Information, "audit of {Server}: {Outcome} in {Milliseconds} ms")]
    public static partial void RunDone(ILogger logger, string server, AuditOutcome outcome, long milliseconds);

    [LoggerMessage(6003, LogLevel.Information, "{Server}/{Database}: ok, tx {PreviousTx} -> {CurrentTx}, {Txs} txs and {Entries} entries re-read")]
    public static partial void DatabaseOk(ILogger logger, string server, string database, ulong previousTx, ulong currentTx, int txs, int entries);

    [LoggerMessage(6004, LogLevel.Error, "{Server}/{Database}: TAMPERED: {Reason}")]
    public static partial void DatabaseTampered(ILogger logger, string server, string database, string reason);

    [LoggerMessage(6005, LogLevel.Error, "{Server}/{Database}: still reported tampered (found {Since:u}: {Reason}); clear the verdict in {File} after investigating")]
    public static partial void StillTampered(ILogger logger, string server, string database, DateTimeOffset since, string reason, string file);

    [LoggerMessage(6006, LogLevel.Warning, "{Server}: unreachable: {Reason}")]
    public static partial void Unreachable(ILogger logger, string server, string reason);

    [LoggerMessage(6007, LogLevel.Warning, "{Server}/{Database}: audit failed: {Reason}")]
    public static partial void DatabaseFailed(ILogger logger, string server, string database, string reason);

    [LoggerMessage(6008, LogLevel.Warning, "{Server}: audit failed: {Reason}")]
    public static partial void RunFailed(ILogger logger, string server, string reason);

    [LoggerMessage(6009, LogLevel.Information, "{Server}/{Database}: first contact, trusting tx {TxId} as the server states it")]
    public static partial void FirstContact(ILogger logger, string server, string database, ulong txId);

    [LoggerMessage(6010, LogLevel.Debug, "{Server}/{Database}: tx {TxId} re-read and verified ({Entries} entries re-read)")]
    public static partial void TxSampled(ILogger logger, string server, string database, ulong txId, int entries);

    [LoggerMessage(6011, LogLevel.Debug, "{Server}/{Database}: entry of tx {TxId} skipped: {Reason}")]
    public static partial void EntrySkipped(ILogger logger, string server, string database, ulong txId, string reason);

    [LoggerMessage(6012, LogLevel.Error, "the audit run failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, Exception exception);
}
