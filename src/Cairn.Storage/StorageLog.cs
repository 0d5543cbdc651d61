// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Storage;

/// <summary>
/// Every log message of the engine (event ids 1000–1099). Policy: Information for open/close and rebuild progress,
/// Warning for repairs of derived files and torn tails, Error/Critical for failures; nothing per record above Debug.
/// </summary>
internal static partial class StorageLog
{
    [LoggerMessage(1000, LogLevel.Information, "Opened database {Name} in {Folder} at tx {TxId}.")]
    public static partial void Opened(ILogger logger, string name, string folder, ulong txId);

    [LoggerMessage(1001, LogLevel.Error, "Closing database {Name} cleanly failed; it will recover on next open.")]
    public static partial void CloseFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(1002, LogLevel.Critical, "Database {Name} stopped accepting writes: {Reason}")]
    public static partial void WritesStopped(ILogger logger, Exception exception, string name, string reason);

    [LoggerMessage(1003, LogLevel.Error, "The key index of {Name} failed; reads that wait for it fail until the database is reopened and the index rebuilt.")]
    public static partial void IndexFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(1010, LogLevel.Warning, "The tx locations file does not match the log; rebuilding it from the log.")]
    public static partial void LocationsRebuilt(ILogger logger);

    [LoggerMessage(1011, LogLevel.Warning, "Erasing a torn write at {Path} offset {Offset} (tx {TxId} was never acknowledged).")]
    public static partial void TornTailErased(ILogger logger, string path, long offset, ulong txId);

    [LoggerMessage(1012, LogLevel.Information, "Removing unused log segment {Path}.")]
    public static partial void UnusedSegmentRemoved(ILogger logger, string path);

    [LoggerMessage(1013, LogLevel.Information, "Extending the tree from {From} to {To} transactions from the log.")]
    public static partial void TreeExtended(ILogger logger, ulong from, ulong to);

    [LoggerMessage(1014, LogLevel.Warning, "The tree file disagrees with the log ({Problem}); rebuilding it from the log.")]
    public static partial void TreeRebuilt(ILogger logger, string problem);

    [LoggerMessage(1015, LogLevel.Warning, "The key index is damaged; rebuilding it from the log.")]
    public static partial void IndexDamaged(ILogger logger, Exception exception);

    [LoggerMessage(1016, LogLevel.Warning, "The key index is ahead of the log (tx {Indexed} > {Last}); rebuilding it.")]
    public static partial void IndexAhead(ILogger logger, ulong indexed, ulong last);

    [LoggerMessage(1017, LogLevel.Information, "Indexing txs {From}…{To} from the log.")]
    public static partial void IndexReplay(ILogger logger, ulong from, ulong to);

    [LoggerMessage(1018, LogLevel.Information, "Indexed up to tx {TxId} of {Last}.")]
    public static partial void IndexProgress(ILogger logger, ulong txId, ulong last);

    [LoggerMessage(1019, LogLevel.Warning, "The commit observer of {Name} failed; commits go on.")]
    public static partial void CommitObserverFailed(ILogger logger, Exception exception, string name);
}
