// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage.Devices;
using Cairn.Verification;

namespace Cairn.Storage.Tree;

/// <summary>
/// The nodes of the tree over all Alhs in one file, node p at byte 32·p. Appends collect in memory and are written
/// once per commit group; the file is synced lazily (it can be rebuilt from the log's Alhs), so on open the
/// engine cuts it to a whole tree no larger than the log and re-appends what is missing.
/// </summary>
internal sealed class FileTreeNodeStore : ITreeNodeStore, IDisposable
{
    private readonly IStorageFile _file;
    private readonly Lock _lock = new();
    private readonly List<Digest> _pending = [];
    private long _flushed;

    public FileTreeNodeStore(IStorageDevice device, string path)
    {
        _file = device.Open(path, create: true);
        _flushed = _file.Length / Digest.Size;
        if (_file.Length % Digest.Size != 0)
        {
            _file.SetLength(_flushed * Digest.Size);
        }
    }

    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _flushed + _pending.Count;
            }
        }
    }

    public Digest Read(long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);

        // Written nodes never change, so proofs read them without the lock; only the pending tail needs it.
        if (position >= Volatile.Read(ref _flushed))
        {
            lock (_lock)
            {
                if (position >= _flushed)
                {
                    int index = checked((int)(position - _flushed));
                    ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _pending.Count, nameof(position));
                    return _pending[index];
                }
            }
        }

        Span<byte> node = stackalloc byte[Digest.Size];
        if (_file.Read(position * Digest.Size, node) != Digest.Size)
        {
            throw new IOException($"Tree node {position} is beyond the end of {_file.Path}.");
        }

        return new Digest(node);
    }

    public void Append(ReadOnlySpan<Digest> nodes)
    {
        lock (_lock)
        {
            foreach (var node in nodes)
            {
                _pending.Add(node);
            }
        }
    }

    /// <summary>Writes the nodes appended since the last flush (not synced).</summary>
    public void Flush()
    {
        Digest[] nodes;
        long at;
        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            nodes = [.. _pending];
            at = _flushed;
        }

        var bytes = new byte[nodes.Length * Digest.Size];
        for (int i = 0; i < nodes.Length; i++)
        {
            nodes[i].WriteTo(bytes.AsSpan(i * Digest.Size));
        }

        _file.Write(at * Digest.Size, bytes);
        lock (_lock)
        {
            Volatile.Write(ref _flushed, _flushed + nodes.Length);
            _pending.RemoveRange(0, nodes.Length);
        }
    }

    /// <summary>Makes written nodes durable.</summary>
    public void Sync() => _file.Sync();

    /// <summary>Cuts the store to <paramref name="count"/> nodes (recovery; nothing pending).</summary>
    public void Truncate(long count)
    {
        lock (_lock)
        {
            _pending.Clear();
            _file.SetLength(count * Digest.Size);
            _flushed = count;
        }
    }

    public void Dispose() => _file.Dispose();
}
