// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Cairn.Storage.Commit;
using Cairn.Storage.Format;
using Cairn.Storage.Index;
using Cairn.Storage.Log;
using Cairn.Verification;

namespace Cairn.Storage;

public sealed partial class Database
{
    // A group is cut at this many bytes so one write stays reasonable; the fsync is shared by all its txs.
    private const int MaxGroupBytes = 8 << 20;
    private const int MaxGroupTxs = 8192;

    private readonly object _queueLock = new();
    private readonly Queue<PendingTx> _queue = new();
    private readonly object _indexQueueLock = new();
    private readonly Queue<(List<IndexWrite> Writes, ulong LastTxId)> _indexQueue = new();
    private bool _stopCommitter;
    private bool _stopIndexer;

    // Entries committed but not yet applied to the index, and whether the indexer has stopped (under _indexQueueLock).
    private long _unindexedEntries;
    private bool _indexerStopped;

    private const long DerivedSyncIntervalMs = 1000;

    // Owned by the committer thread.
    private long _derivedSyncedAt = Environment.TickCount64;
    private ulong _lastTxId;
    private Digest _lastAlh;

    private void Enqueue(PendingTx pending)
    {
        lock (_queueLock)
        {
            if (_stopCommitter)
            {
                throw new StorageException(StorageErrorCode.DatabaseClosed, $"database '{Name}' is closed");
            }

            if (_failure is { } failure)
            {
                throw Failed(failure);
            }

            _queue.Enqueue(pending);
            Monitor.Pulse(_queueLock);
        }
    }

    private void StopCommitter()
    {
        lock (_queueLock)
        {
            _stopCommitter = true;
            Monitor.Pulse(_queueLock);
        }
    }

    private void StopIndexer()
    {
        lock (_indexQueueLock)
        {
            _stopIndexer = true;
            Monitor.PulseAll(_indexQueueLock);
        }
    }

    private StorageException Failed(Exception failure) =>
        new(StorageErrorCode.DatabaseFailed, $"database '{Name}' stopped accepting writes after a storage failure: {failure.Message}", failure);

    private void CommitLoop()
    {
        var batch = new List<PendingTx>();
        var group = new Group();
        while (true)
        {
            WaitForIndexToCatchUp();
            lock (_queueLock)
            {
                while (_queue.Count == 0 && !_stopCommitter)
                {
                    Monitor.Wait(_queueLock);
                }

                if (_queue.Count == 0)
                {
                    return;
                }

                while (_queue.Count > 0 && batch.Count < MaxGroupTxs)
                {
                    batch.Add(_queue.Dequeue());
                }
            }

            foreach (var pending in batch)
            {
                if (_failure is { } failure)
                {
                    pending.Completion.TrySetException(Failed(failure));
                    continue;
                }

                try
                {
                    if (pending.NeedsState)
                    {
                        // State checks read the index, so everything before this tx must be durable and indexed.
                        CommitGroup(group);
                        _watermark.Wait(_lastTxId, _options.IndexWaitTimeout);
                        Resolve(pending, _lastTxId + 1);
                    }

                    AddToGroup(group, pending);
                    if (group.Bytes >= MaxGroupBytes)
                    {
                        CommitGroup(group);
                    }
                }
                catch (StorageException e) when (e.Code != StorageErrorCode.DatabaseFailed)
                {
                    pending.Completion.TrySetException(e);
                }
                catch (Exception e)
                {
                    pending.Completion.TrySetException(Fail(e));
                }
            }

            try
            {
                CommitGroup(group);
            }
            catch (Exception e)
            {
                Fail(e);
            }

            batch.Clear();
        }
    }

    private void AddToGroup(Group group, PendingTx pending)
    {
        ulong id = _lastTxId + 1;
        var header = new TxHeader(id, _lastAlh, _options.UnixTimeSeconds(), pending.HeaderVersion, pending.TxMetadata, pending.Entries.Length, pending.EntriesHash, id - 1, _tree.Root);
        var alh = header.Alh();
        var position = _log.Reserve(pending.RecordSize);
        var record = group.Place(position);
        Span<int> valueOffsets = pending.Entries.Length <= 256 ? stackalloc int[pending.Entries.Length] : new int[pending.Entries.Length];
        TxRecord.Write(record, header, alh, pending.TxMetadataBytes, pending.Entries, valueOffsets);
        for (int i = 0; i < pending.Entries.Length; i++)
        {
            var entry = pending.Entries[i];
            if (entry.Metadata is { NonIndexable: true })
            {
                continue;
            }

            group.IndexWrites.Add(new IndexWrite(
                id,
                entry.StoredKey,
                position.Segment,
                position.Offset + valueOffsets[i],
                entry.StoredValue.Length,
                i,
                entry.Metadata?.Deleted ?? false,
                entry.Metadata?.ExpiresAt));
        }

        group.Txs.Add((pending, header, position));
        group.Entries += pending.Entries.Length;
        _tree.Append(alh);
        _lastTxId = id;
        _lastAlh = alh;
    }

    private void CommitGroup(Group group)
    {
        if (group.Txs.Count == 0)
        {
            return;
        }

        long started = Stopwatch.GetTimestamp(), written;
        try
        {
            foreach (var part in group.Parts)
            {
                _log.Write(part.Segment, part.Offset, part.Buffer.WrittenSpan);
            }

            written = Stopwatch.GetTimestamp();
            _log.Sync();
        }
        catch (Exception e)
        {
            // Nothing of this group may be acknowledged: the write or its sync failed.
            var failed = Fail(e);
            foreach (var (pending, _, _) in group.Txs)
            {
                pending.Completion.TrySetException(failed);
            }

            group.Reset();
            return;
        }

        // Durable from here on. Derived files follow; if they fail the txs are still acknowledged (recovery rebuilds
        // those files from the log) but the database takes no more writes.
        Exception? derivedFailure = null;
        try
        {
            foreach (var (_, _, position) in group.Txs)
            {
                _locations.Add(position);
            }

            _locations.Flush();
            _treeStore.Flush();

            // Derived files are synced about once a second, so that recovery after a crash rescans at most the
            // log written since then instead of everything since the last clean close.
            long now = Environment.TickCount64;
            if (now - _derivedSyncedAt >= DerivedSyncIntervalMs)
            {
                _locations.Sync();
                _treeStore.Sync();
                _derivedSyncedAt = now;
            }
        }
        catch (Exception e)
        {
            derivedFailure = e;
        }

        long synced = Stopwatch.GetTimestamp();
        _committed = new CommittedState(_lastTxId, _lastAlh);
        foreach (var (pending, header, _) in group.Txs)
        {
            pending.Completion.TrySetResult(header);
        }

        if (_options.CommitObserver is { } observer)
        {
            Observe(observer, group, Stopwatch.GetElapsedTime(started, written), Stopwatch.GetElapsedTime(written, synced));
        }

        lock (_indexQueueLock)
        {
            _indexQueue.Enqueue(([.. group.IndexWrites], _lastTxId));
            _unindexedEntries += group.IndexWrites.Count;
            Monitor.PulseAll(_indexQueueLock);
        }

        group.Reset();
        if (derivedFailure is not null)
        {
            Fail(derivedFailure);
        }
    }

    private void Observe(ICommitObserver observer, Group group, TimeSpan writeDuration, TimeSpan syncDuration)
    {
        try
        {
            observer.GroupCommitted(new CommitGroupInfo(Name, group.Txs.Count, group.Entries, group.Bytes, writeDuration, syncDuration));
        }
        catch (Exception e)
        {
            // Metrics must never stop commits: the committer would otherwise mark the database failed.
            StorageLog.CommitObserverFailed(_logger, e, Name);
        }
    }

    private StorageException Fail(Exception cause)
    {
        if (_failure is null)
        {
            _failure = cause;
            StorageLog.WritesStopped(_logger, cause, Name, cause.Message);
        }

        var failed = Failed(_failure);
        lock (_queueLock)
        {
            while (_queue.Count > 0)
            {
                _queue.Dequeue().Completion.TrySetException(failed);
            }
        }

        return failed;
    }

    /// <summary>
    /// Holds the committer while the index is more than <see cref="DatabaseOptions.MaxIndexLag"/> entries behind, so
    /// that writers that do not wait for the index (noWait) slow to its pace instead of leaving it ever further behind.
    /// </summary>
    private void WaitForIndexToCatchUp()
    {
        lock (_indexQueueLock)
        {
            while (_unindexedEntries > _options.MaxIndexLag && !_indexerStopped)
            {
                Monitor.Wait(_indexQueueLock);
            }
        }
    }

    private void IndexLoop()
    {
        try
        {
            ApplyQueuedWrites();
        }
        finally
        {
            lock (_indexQueueLock)
            {
                _indexerStopped = true;
                Monitor.PulseAll(_indexQueueLock);
            }
        }
    }

    /// <summary>
    /// While nobody waits for the index, lets committed writes pile up, up to half of
    /// <see cref="DatabaseOptions.MaxIndexLag"/> entries or for <see cref="DatabaseOptions.IndexBatchDelay"/>, before
    /// the indexer takes them (called under _indexQueueLock).
    /// </summary>
    /// <remarks>
    /// Per entry, a large batch costs the index far less than a small one: its sorted keys land next to each other in
    /// RocksDB's memtable instead of each searching the skip list from the top, and the revision lookups go to each
    /// file once per batch. Writers that do not wait for the index (noWait) would otherwise hand the indexer a few
    /// transactions at a time. Anyone who waits (a write or read that needs its tx indexed, the committer checking a
    /// precondition) wakes the indexer at once. Gathering stops at half the lag bound so that the committer, held at
    /// MaxIndexLag, goes on writing while the indexer applies the batch.
    /// </remarks>
    private void GatherIndexBatch()
    {
        long deadline = Environment.TickCount64 + (long)_options.IndexBatchDelay.TotalMilliseconds;
        long target = _options.MaxIndexLag / 2;
        while (!_stopIndexer && _unindexedEntries < target && !_watermark.HasWaiters)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return;
            }

            Monitor.Wait(_indexQueueLock, TimeSpan.FromMilliseconds(left));
        }
    }

    /// <summary>Wakes the indexer when someone starts waiting for it (it may be gathering a batch).</summary>
    private void WakeIndexer()
    {
        lock (_indexQueueLock)
        {
            Monitor.PulseAll(_indexQueueLock);
        }
    }

    private void ApplyQueuedWrites()
    {
        var writes = new List<IndexWrite>();
        while (true)
        {
            ulong last = 0;
            lock (_indexQueueLock)
            {
                while (_indexQueue.Count == 0 && !_stopIndexer)
                {
                    Monitor.Wait(_indexQueueLock);
                }

                if (_indexQueue.Count == 0)
                {
                    return;
                }

                GatherIndexBatch();
                while (_indexQueue.Count > 0 && writes.Count < 100_000)
                {
                    var (groupWrites, lastTxId) = _indexQueue.Dequeue();
                    writes.AddRange(groupWrites);
                    last = lastTxId;
                }
            }

            try
            {
                _options.BeforeIndexBatch?.Invoke();
                _index.Apply(CollectionsMarshal.AsSpan(writes), last);
                _watermark.Advance(last);
                lock (_indexQueueLock)
                {
                    _unindexedEntries -= writes.Count;
                    Monitor.PulseAll(_indexQueueLock);
                }
            }
            catch (Exception e)
            {
                StorageLog.IndexFailed(_logger, e, Name);
                _watermark.Fail(e);
                return;
            }
            finally
            {
                writes.Clear();
            }
        }
    }

    /// <summary>The records of one commit group, per segment, written with one call each and synced once.</summary>
    /// <remarks>
    /// The group's buffers are kept for the next group: a new one per commit (64 KiB at least, and on the large-object
    /// heap for groups over 85,000 bytes) made the committer the biggest allocator of a busy server.
    /// </remarks>
    private sealed class Group
    {
        // Larger buffers (rare, huge transactions) are dropped rather than held by every database for good.
        private const int RetainedBufferBytes = 1 << 20;
        private const int InitialBufferBytes = 64 << 10;
        private readonly Stack<ArrayBufferWriter<byte>> _spare = new();

        public List<(uint Segment, long Offset, ArrayBufferWriter<byte> Buffer)> Parts { get; } = [];

        public List<(PendingTx Pending, TxHeader Header, LogPosition Position)> Txs { get; } = [];

        public List<IndexWrite> IndexWrites { get; } = [];

        public long Bytes { get; private set; }

        public int Entries { get; set; }

        public Span<byte> Place(LogPosition position)
        {
            if (Parts.Count == 0 || Parts[^1].Segment != position.Segment || Parts[^1].Offset + Parts[^1].Buffer.WrittenCount != position.Offset)
            {
                var fresh = _spare.Count > 0 ? _spare.Pop() : new ArrayBufferWriter<byte>(Math.Max(position.Length, InitialBufferBytes));
                Parts.Add((position.Segment, position.Offset, fresh));
            }

            var buffer = Parts[^1].Buffer;
            var span = buffer.GetSpan(position.Length)[..position.Length];
            buffer.Advance(position.Length);
            Bytes += position.Length;
            return span;
        }

        public void Reset()
        {
            foreach (var (_, _, buffer) in Parts)
            {
                if (buffer.Capacity <= RetainedBufferBytes)
                {
                    // Every byte of a record is written when it is placed, so stale bytes are never written out.
                    buffer.ResetWrittenCount();
                    _spare.Push(buffer);
                }
            }

            Parts.Clear();
            Txs.Clear();
            IndexWrites.Clear();
            Bytes = 0;
            Entries = 0;
        }
    }
}
