// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage.Devices;

namespace Cairn.Storage.Tests;

/// <summary>What the faulty device does when its fault fires.</summary>
public enum Fault
{
    /// <summary>The write throws without writing anything.</summary>
    FailWrite,

    /// <summary>The sync throws; the data may or may not be on disk.</summary>
    FailSync,

    /// <summary>The write stores only its first half, then throws.</summary>
    TearWrite,

    /// <summary>The write stores what fits in the space left, then throws ENOSPC.</summary>
    DiskFull,
}

/// <summary>
/// A device over the real one that injects one fault at the Nth write or sync to files whose name matches a filter,
/// and that can simulate a power loss: every write not yet synced is undone, as if it never reached the disk.
/// </summary>
internal sealed class FaultyDevice(string fileFilter = ".seg") : IStorageDevice
{
    private readonly FileStorageDevice _inner = FileStorageDevice.Instance;
    private readonly Lock _lock = new();
    private readonly List<FaultyFile> _files = [];
    private Fault? _fault;
    private int _countdown;
    private long _spaceLeft;
    private bool _dead;

    /// <summary>How many faults fired.</summary>
    public int Fired { get; private set; }

    /// <summary>Arms <paramref name="fault"/> to fire on the <paramref name="nth"/> matching write (or sync).</summary>
    public void Arm(Fault fault, int nth, long spaceLeft = 0)
    {
        lock (_lock)
        {
            _fault = fault;
            _countdown = nth;
            _spaceLeft = spaceLeft;
        }
    }

    /// <summary>Power loss: from now on nothing is written, and every unsynced write of every file is undone.</summary>
    public void LosePower()
    {
        lock (_lock)
        {
            _dead = true;
            foreach (var file in _files)
            {
                file.UndoUnsynced();
            }
        }
    }

    public IStorageFile Open(string path, bool create)
    {
        var file = new FaultyFile(this, _inner.Open(path, create), Path.GetFileName(path).Contains(fileFilter, StringComparison.Ordinal));
        lock (_lock)
        {
            _files.Add(file);
        }

        return file;
    }

    public bool Exists(string path) => _inner.Exists(path);

    public void Delete(string path)
    {
        ThrowIfDead();
        _inner.Delete(path);
    }

    public void CreateDirectory(string path) => _inner.CreateDirectory(path);

    public void SyncDirectory(string path)
    {
        ThrowIfDead();
        _inner.SyncDirectory(path);
    }

    public IReadOnlyList<string> List(string path, string pattern) => _inner.List(path, pattern);

    public void Rename(string source, string destination)
    {
        ThrowIfDead();
        _inner.Rename(source, destination);
    }

    private void ThrowIfDead()
    {
        if (_dead)
        {
            throw new IOException("injected: the device lost power");
        }
    }

    // Returns how many bytes of a write of `length` may reach the file, or throws the armed fault.
    private int BeforeWrite(bool matches, int length, out Exception? after)
    {
        after = null;
        lock (_lock)
        {
            ThrowIfDead();
            if (!matches || _fault is not (Fault.FailWrite or Fault.TearWrite or Fault.DiskFull) || --_countdown > 0)
            {
                return length;
            }

            var fault = _fault.Value;
            _fault = null;
            Fired++;
            switch (fault)
            {
                case Fault.FailWrite:
                    throw new IOException("injected: write failed (EIO)");
                case Fault.TearWrite:
                    after = new IOException("injected: write torn (EIO after a partial write)");
                    return length / 2;
                default:
                    after = new IOException("injected: No space left on device (ENOSPC)");
                    return (int)Math.Min(length, _spaceLeft);
            }
        }
    }

    private void BeforeSync(bool matches)
    {
        lock (_lock)
        {
            ThrowIfDead();
            if (matches && _fault == Fault.FailSync && --_countdown <= 0)
            {
                _fault = null;
                Fired++;
                throw new IOException("injected: fdatasync failed (EIO)");
            }
        }
    }

    private sealed class FaultyFile(FaultyDevice device, IStorageFile inner, bool matches) : IStorageFile
    {
        private readonly List<(long Offset, byte[] Old, long OldLength)> _unsynced = [];

        public string Path => inner.Path;

        public long Length => inner.Length;

        public int Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);

        // Writes and syncs hold the device lock, so a power loss falls entirely before or after each of them:
        // a sync that returned has made its writes permanent, exactly as fdatasync promises.
        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (device._lock)
            {
                int allowed = device.BeforeWrite(matches, data.Length, out var after);
                var old = new byte[allowed];
                long oldLength = inner.Length;
                int existing = (int)Math.Clamp(oldLength - offset, 0, allowed);
                inner.Read(offset, old.AsSpan(0, existing));
                _unsynced.Add((offset, old, oldLength));
                inner.Write(offset, data[..allowed]);
                if (after is not null)
                {
                    throw after;
                }
            }
        }

        public void Sync()
        {
            lock (device._lock)
            {
                device.BeforeSync(matches);
                inner.Sync();
                _unsynced.Clear();
            }
        }

        public void SetLength(long length)
        {
            lock (device._lock)
            {
                device.ThrowIfDead();
                inner.SetLength(length);
            }
        }

        public void UndoUnsynced()
        {
            {
                for (int i = _unsynced.Count - 1; i >= 0; i--)
                {
                    var (offset, old, oldLength) = _unsynced[i];
                    inner.Write(offset, old);
                    if (inner.Length > oldLength)
                    {
                        inner.SetLength(oldLength);
                    }
                }

                _unsynced.Clear();
            }
        }

        public void Dispose() => inner.Dispose();
    }
}
