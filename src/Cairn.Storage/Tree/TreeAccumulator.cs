// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;

namespace Cairn.Storage.Tree;

/// <summary>
/// The tree over all Alhs kept as its peaks only (O(log n) memory): enough to know the root at the current size
/// and the nodes each append writes, so a streaming verification can compare them with the tree file.
/// </summary>
internal sealed class TreeAccumulator
{
    private readonly List<Digest> _peaks = [];

    public ulong Size { get; private set; }

    public Digest Root => MerkleHash.FoldPeaks(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_peaks));

    /// <summary>Appends the leaf of <paramref name="alh"/>; <paramref name="written"/> receives the nodes the store holds for it, in order.</summary>
    public void Append(in Digest alh, List<Digest> written)
    {
        written.Clear();
        var node = MerkleHash.Leaf(alh);
        written.Add(node);
        for (int height = 0; (Size >> height & 1) == 1; height++)
        {
            node = MerkleHash.Node(_peaks[^1], node);
            _peaks.RemoveAt(_peaks.Count - 1);
            written.Add(node);
        }

        _peaks.Add(node);
        Size++;
    }
}
