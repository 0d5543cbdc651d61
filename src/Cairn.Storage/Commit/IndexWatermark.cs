// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Storage.Commit;

/// <summary>
/// How far the index has applied the log. Readers that need a tx wait here; the indexer advances it after each
/// batch, or fails it so that no waiter hangs on an index that stopped.
/// </summary>
internal sealed class IndexWatermark
{
    private readonly object _lock = new();
    private readonly List<(ulong TxId, TaskCompletionSource Waiter)> _waiters = [];
    private ulong _value;
    private Exception? _failure;
    private int _blockedWaiters;

    public IndexWatermark(ulong value) => _value = value;

    public ulong Value => Volatile.Read(ref _value);

    /// <summary>Called (outside the lock) when someone starts waiting for a tx the index has not reached.</summary>
    public Action? WaiterArrived { get; set; }

    /// <summary>True while someone waits for a tx the index has not reached.</summary>
    public bool HasWaiters
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count > 0 || _blockedWaiters > 0;
            }
        }
    }

    public void Advance(ulong value)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_lock)
        {
            _value = value;
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].TxId <= value)
                {
                    (ready ??= []).Add(_waiters[i].Waiter);
                    _waiters.RemoveAt(i);
                }
            }

            Monitor.PulseAll(_lock);
        }

        ready?.ForEach(w => w.TrySetResult());
    }

    public void Fail(Exception failure)
    {
        List<TaskCompletionSource> waiters;
        lock (_lock)
        {
            _failure = failure;
            waiters = [.. _waiters.Select(w => w.Waiter)];
            _waiters.Clear();
            Monitor.PulseAll(_lock);
        }

        waiters.ForEach(w => w.TrySetException(Failed(failure)));
    }

    public Task WaitAsync(ulong txId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return Task.FromException(Failed(_failure));
            }

            if (_value >= txId)
            {
                return Task.CompletedTask;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((txId, waiter));
        }

        WaiterArrived?.Invoke();
        return WaitSlowAsync(waiter.Task, txId, timeout, cancellationToken);
    }

    /// <summary>Blocks the calling thread (the committer) until the index reaches <paramref name="txId"/>.</summary>
    public void Wait(ulong txId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_lock)
        {
            if (_value >= txId)
            {
                return;
            }

            _blockedWaiters++;
        }

        try
        {
            WaiterArrived?.Invoke();
            WaitBlocked(txId, deadline);
        }
        finally
        {
            lock (_lock)
            {
                _blockedWaiters--;
            }
        }
    }

    private void WaitBlocked(ulong txId, DateTime deadline)
    {
        lock (_lock)
        {
            while (_value < txId)
            {
                if (_failure is not null)
                {
                    throw Failed(_failure);
                }

                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_lock, left))
                {
                    if (_value >= txId)
                    {
                        break;
                    }

                    throw Timeout(txId);
                }
            }
        }
    }

    private static async Task WaitSlowAsync(Task waiting, ulong txId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await waiting.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw Timeout(txId);
        }
    }

    private static StorageException Timeout(ulong txId) =>
        new(StorageErrorCode.IndexTimeout, $"the index did not reach tx {txId} in time");

    private static StorageException Failed(Exception failure) =>
        new(StorageErrorCode.DatabaseFailed, $"the key index stopped: {failure.Message}; reopen the database to rebuild it", failure);
}
