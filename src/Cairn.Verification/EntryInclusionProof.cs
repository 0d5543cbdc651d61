// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification;

/// <summary>
/// Proof that entry <see cref="Leaf"/> is in a transaction of <see cref="Width"/> entries
/// (immudb's InclusionProof message). Terms are ordered bottom-up: the leaf's sibling first.
/// </summary>
public sealed class EntryInclusionProof
{
    /// <summary>Creates a proof.</summary>
    public EntryInclusionProof(int leaf, int width, IReadOnlyList<Digest> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        Leaf = leaf;
        Width = width;
        Terms = terms;
    }

    /// <summary>Index of the entry inside its transaction.</summary>
    public int Leaf { get; }

    /// <summary>Number of entries of the transaction.</summary>
    public int Width { get; }

    /// <summary>Sibling hashes from the leaf up.</summary>
    public IReadOnlyList<Digest> Terms { get; }
}
