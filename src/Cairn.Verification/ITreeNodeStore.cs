// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification;

/// <summary>
/// Where an <see cref="AppendOnlyTree"/> keeps its nodes: a flat, append-only sequence of digests.
/// The storage engine backs it with a file (node p at byte offset 32·p); <see cref="MemoryTreeNodeStore"/> keeps it in memory.
/// </summary>
/// <remarks>
/// Node positions are fixed by the tree: appending leaf n (0-based) writes the leaf, then the root of every perfect
/// subtree that leaf completes, lowest first. A tree of n leaves therefore holds 2n − popcount(n) nodes, and each
/// proof reads O(log n) of them. Reads of positions below <see cref="Count"/> may run concurrently with one writer.
/// </remarks>
public interface ITreeNodeStore
{
    /// <summary>Number of nodes stored.</summary>
    long Count { get; }

    /// <summary>Reads the node at <paramref name="position"/> (0 ≤ position &lt; <see cref="Count"/>).</summary>
    Digest Read(long position);

    /// <summary>Appends <paramref name="nodes"/> at the end, in order.</summary>
    void Append(ReadOnlySpan<Digest> nodes);
}
