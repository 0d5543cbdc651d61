// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers;
using System.Runtime.CompilerServices;

namespace Cairn.Verification;

/// <summary>
/// The two node hashes shared by the per-transaction tree and the tree over all transactions:
/// leaf = H(0x00 || d), inner node = H(0x01 || left || right).
/// </summary>
public static class MerkleHash
{
    /// <summary>Domain prefix of a leaf hash.</summary>
    public const byte LeafPrefix = 0x00;

    /// <summary>Domain prefix of an inner node hash.</summary>
    public const byte NodePrefix = 0x01;

    /// <summary>H(0x00 || <paramref name="digest"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Digest Leaf(in Digest digest)
    {
        Span<byte> buffer = stackalloc byte[1 + Digest.Size];
        buffer[0] = LeafPrefix;
        digest.WriteTo(buffer[1..]);
        return Digest.Compute(buffer);
    }

    /// <summary>H(0x01 || <paramref name="left"/> || <paramref name="right"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Digest Node(in Digest left, in Digest right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * Digest.Size)];
        buffer[0] = NodePrefix;
        left.WriteTo(buffer[1..]);
        right.WriteTo(buffer[(1 + Digest.Size)..]);
        return Digest.Compute(buffer);
    }

    /// <summary>
    /// The root of a tree of RFC 6962 shape from the roots of its perfect subtrees, largest (leftmost) first:
    /// H(p1, H(p2, … H(pk−1, pk))). 32 zero bytes for no peaks (immudb's root of an empty tree).
    /// </summary>
    internal static Digest FoldPeaks(ReadOnlySpan<Digest> peaks)
    {
        if (peaks.IsEmpty)
        {
            return Digest.Zero;
        }

        var root = peaks[^1];
        for (int k = peaks.Length - 2; k >= 0; k--)
        {
            root = Node(peaks[k], root);
        }

        return root;
    }
}

/// <summary>
/// A scratch byte buffer: on the stack when the caller's stack span is large enough, else rented from the pool.
/// Dispose it to return a rented array.
/// </summary>
internal ref struct Scratch
{
    private byte[]? _rented;

    public Scratch(Span<byte> stack, int length)
    {
        if (length <= stack.Length)
        {
            Span = stack[..length];
            _rented = null;
        }
        else
        {
            _rented = ArrayPool<byte>.Shared.Rent(length);
            Span = _rented.AsSpan(0, length);
        }
    }

    public Span<byte> Span { get; }

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
        }
    }
}
