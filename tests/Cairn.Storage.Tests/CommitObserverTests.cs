// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections.Concurrent;
using System.Text;

namespace Cairn.Storage.Tests;

/// <summary>The commit observer hook: one call per durable group, and a failing observer cannot stop commits.</summary>
public sealed class CommitObserverTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Every_committed_tx_and_entry_is_reported_once_in_some_group()
    {
        var observer = new RecordingObserver();
        using var db = Database.Open(_folder.Path, new DatabaseOptions { Name = "observed", SegmentSize = 64 << 10, CommitObserver = observer });
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => db.SetAsync([new KeyValue(B($"k{i}"), B("v")), new KeyValue(B($"j{i}"), B("w"))])));

        var groups = observer.Groups.ToArray();
        Assert.All(groups, g => Assert.Equal("observed", g.Database));
        Assert.All(groups, g => Assert.True(g.Txs > 0 && g.Bytes > 0 && g.SyncDuration >= TimeSpan.Zero && g.WriteDuration >= TimeSpan.Zero));

        // A new database's internal first tx is committed while opening, through the committer like any other.
        Assert.Equal((long)db.LastTxId, groups.Sum(g => (long)g.Txs));
        Assert.Equal(1 + (50 * 2), groups.Sum(g => g.Entries));
    }

    [Fact]
    public async Task A_throwing_observer_is_ignored()
    {
        using var db = Database.Open(_folder.Path, new DatabaseOptions { SegmentSize = 64 << 10, CommitObserver = new ThrowingObserver() });
        var header = await db.SetAsync([new KeyValue(B("k"), B("v"))]);
        await db.SetAsync([new KeyValue(B("k"), B("v2"))]);
        Assert.Null(db.Failure);
        Assert.Equal(header.Id + 1, db.LastTxId);
    }

    private sealed class RecordingObserver : ICommitObserver
    {
        public ConcurrentQueue<CommitGroupInfo> Groups { get; } = new();

        public void GroupCommitted(in CommitGroupInfo group) => Groups.Enqueue(group);
    }

    private sealed class ThrowingObserver : ICommitObserver
    {
        public void GroupCommitted(in CommitGroupInfo group) => throw new InvalidOperationException("observer broke");
    }
}
