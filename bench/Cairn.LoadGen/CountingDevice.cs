// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage.Devices;

namespace Cairn.LoadGen;

/// <summary>Passes everything to the real device and counts the syncs and their time, to show the engine's syncs per second.</summary>
internal sealed class CountingDevice : IStorageDevice
{
    private readonly IStorageDevice _inner;

    public CountingDevice(IStorageDevice inner)
    {
        _inner = inner;
    }

    /// <summary>fdatasync/fsync calls on files and folders so far.</summary>
    public SyncCounter Syncs { get; } = new();

    public IStorageFile Open(string path, bool create) => new CountingFile(this, _inner.Open(path, create));

    public bool Exists(string path) => _inner.Exists(path);

    public void Delete(string path) => _inner.Delete(path);

    public void CreateDirectory(string path) => _inner.CreateDirectory(path);

    public void SyncDirectory(string path) => Syncs.Time(() => _inner.SyncDirectory(path));

    public IReadOnlyList<string> List(string path, string pattern) => _inner.List(path, pattern);

    public void Rename(string source, string destination) => _inner.Rename(source, destination);

    private sealed class CountingFile : IStorageFile
    {
        private readonly CountingDevice _owner;
        private readonly IStorageFile _inner;

        public CountingFile(CountingDevice owner, IStorageFile inner)
        {
            _owner = owner;
            _inner = inner;
        }

        public string Path => _inner.Path;

        public long Length => _inner.Length;

        public int Read(long offset, Span<byte> buffer) => _inner.Read(offset, buffer);

        public void Write(long offset, ReadOnlySpan<byte> data) => _inner.Write(offset, data);

        public void Sync() => _owner.Syncs.Time(_inner.Sync);

        public void SetLength(long length) => _inner.SetLength(length);

        public void Dispose() => _inner.Dispose();
    }
}
