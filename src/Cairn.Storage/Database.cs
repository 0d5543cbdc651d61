// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage.Commit;
using Cairn.Storage.Devices;
using Cairn.Storage.Index;
using Cairn.Storage.Log;
using Cairn.Storage.Tree;
using Cairn.Verification;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage;

/// <summary>
/// An embedded tamper-evident database in one folder: a hash-chained, append-only transaction log made durable by
/// group commit, the tree over all Alhs on disk, and a key index derived from the log. Thread-safe: any number of
/// readers and writers; one internal committer orders and writes transactions, one indexer applies them.
/// </summary>
/// <remarks>
/// Files: <c>cairn.meta</c> (format, settings, clean-shutdown mark), <c>log/NNNNNNNN.seg</c> (the transactions),
/// <c>tx.loc</c> (where each tx lies), <c>tree.aht</c> (the tree nodes) and <c>index/</c> (RocksDB). Only the log is
/// the record; the others are rebuilt from it when missing or damaged.
/// </remarks>
public sealed partial class Database : IDisposable
{
    private readonly DatabaseOptions _options;
    private readonly IStorageDevice _device;
    private readonly ILogger _logger;
    private readonly SegmentLog _log;
    private readonly TxLocationFile _locations;
    private readonly FileTreeNodeStore _treeStore;
    private readonly AppendOnlyTree _tree;
    private readonly KeyIndex _index;
    private readonly IndexWatermark _watermark;
    private readonly Thread _committer;
    private readonly Thread _indexer;
    private volatile CommittedState _committed;
    private volatile Exception? _failure;
    private int _disposed;

    private Database(
        string folder,
        DatabaseOptions options,
        SegmentLog log,
        TxLocationFile locations,
        FileTreeNodeStore treeStore,
        AppendOnlyTree tree,
        KeyIndex index,
        CommittedState committed)
    {
        Folder = folder;
        _options = options;
        _device = options.Device;
        _logger = options.Logger;
        _log = log;
        _locations = locations;
        _treeStore = treeStore;
        _tree = tree;
        _index = index;
        _committed = committed;
        _lastTxId = committed.TxId;
        _lastAlh = committed.Alh;
        _watermark = new IndexWatermark(index.IndexedTxId);
        _watermark.WaiterArrived = WakeIndexer;
        _committer = new Thread(CommitLoop) { IsBackground = true, Name = $"cairn-commit {options.Name}" };
        _indexer = new Thread(IndexLoop) { IsBackground = true, Name = $"cairn-index {options.Name}" };
    }

    /// <summary>The database folder.</summary>
    public string Folder { get; }

    /// <summary>The database name reported in states.</summary>
    public string Name => _options.Name;

    /// <summary>The options it was opened with.</summary>
    public DatabaseOptions Options => _options;

    /// <summary>The last durable transaction.</summary>
    public ulong LastTxId => _committed.TxId;

    /// <summary>The last transaction the index has applied.</summary>
    public ulong IndexedTxId => _watermark.Value;

    /// <summary>The state a client verifies against: (name, last tx, its Alh).</summary>
    public ImmutableState State
    {
        get
        {
            var committed = _committed;
            return new ImmutableState(Name, committed.TxId, committed.Alh);
        }
    }

    /// <summary>Why the database stopped accepting writes, or null while it is healthy.</summary>
    public Exception? Failure => _failure;

    /// <summary>Opens the database in <paramref name="folder"/>, creating it when missing and allowed; recovers after a crash.</summary>
    /// <exception cref="IntegrityException">Acknowledged data does not verify; the message names the file, offset and tx.</exception>
    public static Database Open(string folder, DatabaseOptions? options = null) => Recovery.Open(Path.GetFullPath(folder), options ?? new DatabaseOptions());

    /// <summary>Stops accepting writes, finishes queued commits and indexing, and closes the files cleanly.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        StopCommitter();
        _committer.Join();
        StopIndexer();
        _indexer.Join();
        try
        {
            if (_failure is null)
            {
                _index.Flush();
                _locations.Flush();
                _locations.Sync();
                _treeStore.Flush();
                _treeStore.Sync();
                var committed = _committed;
                Meta.Write(_device, Folder, new Meta(Name, Clean: true, committed.TxId, committed.Alh));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StorageLog.CloseFailed(_logger, e, Name);
        }
        finally
        {
            // Every file is released even when the device fails; what was not flushed is rebuilt on open.
            Release(_index);
            Release(_locations);
            Release(_treeStore);
            Release(_log);
        }
    }

    private void Release(IDisposable resource)
    {
        try
        {
            resource.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StorageLog.CloseFailed(_logger, e, Name);
        }
    }

    private void Start()
    {
        _committer.Start();
        _indexer.Start();
        _log.PrepareNext();
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new StorageException(StorageErrorCode.DatabaseClosed, $"database '{Name}' is closed");
        }
    }

    /// <summary>The last durable tx and its Alh, published together.</summary>
    private sealed record CommittedState(ulong TxId, Digest Alh);
}
