// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage;
using Cairn.Storage.Devices;

namespace Cairn.LoadGen;

/// <summary>The storage engine with default options, its device wrapped to count syncs.</summary>
internal sealed class CairnTarget : ITarget
{
    private readonly CountingDevice _device = new(FileStorageDevice.Instance);
    private readonly bool _waitForIndex;
    private readonly GetOptions _noWait = new() { NoWait = true };

    /// <param name="folder">An empty or missing folder.</param>
    /// <param name="waitForIndex">Writes also wait for the key index (SetAsync's default); false = noWait, durable only.</param>
    public CairnTarget(string folder, bool waitForIndex)
    {
        _waitForIndex = waitForIndex;
        Database = Database.Open(folder, new DatabaseOptions { Device = _device });
    }

    public Database Database { get; }

    public SyncCounter Syncs => _device.Syncs;

    public long IndexLag => (long)(Database.LastTxId - Database.IndexedTxId);

    public Task CommitAsync(KeyValue[] entries) => Database.SetAsync(entries, preconditions: null, noWait: !_waitForIndex);

    public byte[] Get(byte[] key) => GetEntry(key).Value;

    /// <summary>GetAsync with NoWait; it completes synchronously when the index has the key.</summary>
    public Entry GetEntry(byte[] key)
    {
        var pending = Database.GetAsync(key, _noWait);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    public void WaitUntilReadable()
    {
        while (Database.IndexedTxId < Database.LastTxId)
        {
            Thread.Sleep(5);
        }
    }

    public void Dispose() => Database.Dispose();
}
