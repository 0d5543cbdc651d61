// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Storage;

/// <summary>
/// Told about every commit group once it is durable, on the committer thread; for metrics. It must be quick and
/// must not block: the next group waits for it. An exception it throws is logged and otherwise ignored.
/// </summary>
public interface ICommitObserver
{
    /// <summary>A group of transactions was written and synced with one fsync.</summary>
    void GroupCommitted(in CommitGroupInfo group);
}

/// <summary>What one commit group held and how long making it durable took.</summary>
/// <param name="Database">The database's name.</param>
/// <param name="Txs">Transactions in the group (all made durable by one fsync).</param>
/// <param name="Entries">Entries in those transactions.</param>
/// <param name="Bytes">Log bytes written.</param>
/// <param name="WriteDuration">Time spent writing the records, before the sync.</param>
/// <param name="SyncDuration">Time spent in the fsync (fdatasync).</param>
public readonly record struct CommitGroupInfo(string Database, int Txs, int Entries, long Bytes, TimeSpan WriteDuration, TimeSpan SyncDuration);
