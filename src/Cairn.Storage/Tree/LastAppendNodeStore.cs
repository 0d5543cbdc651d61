// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;

namespace Cairn.Storage.Tree;

/// <summary>
/// A node store that keeps only the nodes of the last append. An <see cref="AppendOnlyTree"/> over it knows its size,
/// root and what each append writes (O(log n) memory in its peaks), which is all a streaming verification needs to
/// compare against the tree file.
/// </summary>
internal sealed class LastAppendNodeStore : ITreeNodeStore
{
    private readonly List<Digest> _lastAppended = [];

    public long Count { get; private set; }

    /// <summary>The nodes the last append wrote, leaf first.</summary>
    public IReadOnlyList<Digest> LastAppended => _lastAppended;

    public Digest Read(long position) =>
        throw new NotSupportedException("This store keeps no nodes; only the tree's current size and root are available.");

    public void Append(ReadOnlySpan<Digest> nodes)
    {
        _lastAppended.Clear();
        foreach (var node in nodes)
        {
            _lastAppended.Add(node);
        }

        Count += nodes.Length;
    }
}
