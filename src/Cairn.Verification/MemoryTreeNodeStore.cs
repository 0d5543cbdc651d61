// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification;

/// <summary>
/// An in-memory <see cref="ITreeNodeStore"/> in fixed-size chunks, so growth never copies and readers of
/// already-published positions never see a moving array. One writer, any number of readers.
/// </summary>
public sealed class MemoryTreeNodeStore : ITreeNodeStore
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly List<Digest[]> _chunks = [];
    private Digest[][] _published = [];
    private long _count;

    /// <inheritdoc />
    public long Count => Volatile.Read(ref _count);

    /// <inheritdoc />
    public Digest Read(long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, Count);
        var chunks = Volatile.Read(ref _published);
        return chunks[(int)(position >> ChunkBits)][position & (ChunkSize - 1)];
    }

    /// <inheritdoc />
    public void Append(ReadOnlySpan<Digest> nodes)
    {
        long count = _count;
        foreach (var node in nodes)
        {
            int chunk = (int)(count >> ChunkBits);
            if (chunk == _chunks.Count)
            {
                _chunks.Add(new Digest[ChunkSize]);
                Volatile.Write(ref _published, [.. _chunks]);
            }

            _chunks[chunk][count & (ChunkSize - 1)] = node;
            count++;
        }

        // Publish the new count only after the nodes are in place.
        Volatile.Write(ref _count, count);
    }
}
