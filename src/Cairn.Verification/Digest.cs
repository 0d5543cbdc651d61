// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Cairn.Verification;

/// <summary>
/// A SHA-256 value (32 bytes) held inline, so trees and proofs of digests allocate nothing per node.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct Digest : IEquatable<Digest>
{
    /// <summary>The size of a digest in bytes.</summary>
    public const int Size = 32;

    // The 32 bytes in memory order; never interpreted as numbers except for equality.
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    /// <summary>Creates a digest from exactly 32 bytes.</summary>
    /// <exception cref="ArgumentException">The span is not 32 bytes long.</exception>
    public Digest(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A digest is {Size} bytes, got {bytes.Length}.", nameof(bytes));
        }

        this = MemoryMarshal.Read<Digest>(bytes);
    }

    /// <summary>32 zero bytes: immudb's blRoot and targetBlTxAlh when nothing is linked yet.</summary>
    public static Digest Zero => default;

    /// <summary>SHA-256 of the empty string: the Alh before tx 1 and the value hash of an empty value.</summary>
    public static Digest OfEmpty { get; } = Compute([]);

    /// <summary>The bytes of this digest. The span points into this instance: keep the digest in a variable.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(in _a, 4));

    /// <summary>Copies the 32 bytes into <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination) => MemoryMarshal.Write(destination, in this);

    /// <summary>A new array holding the 32 bytes.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    // Where OpenSSL's low-level SHA-256 is not available: one reusable context per thread, since SHA256.HashData
    // allocates and frees an OpenSSL context per call, a large part of hashing the small inputs of trees and headers.
    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static Digest Compute(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Size];
        if (NativeSha256.IsAvailable)
        {
            NativeSha256.Hash(data, hash);
        }
        else
        {
            var sha256 = t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha256.AppendData(data);
            sha256.GetHashAndReset(hash);
        }

        return MemoryMarshal.Read<Digest>(hash);
    }

    /// <summary>Parses 64 hexadecimal characters.</summary>
    /// <exception cref="FormatException">Not 64 hexadecimal characters.</exception>
    public static Digest FromHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != Size * 2)
        {
            throw new FormatException($"A digest is {Size * 2} hexadecimal characters, got {hex.Length}.");
        }

        return new Digest(Convert.FromHexString(hex));
    }

    /// <summary>Lower-case hexadecimal, as immudb tools print digests.</summary>
    public override string ToString() => Convert.ToHexStringLower(AsSpan());

    /// <inheritdoc />
    public bool Equals(Digest other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Digest other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)_a ^ (int)(_a >> 32);

    /// <summary>Byte-wise equality.</summary>
    public static bool operator ==(Digest left, Digest right) => left.Equals(right);

    /// <summary>Byte-wise inequality.</summary>
    public static bool operator !=(Digest left, Digest right) => !left.Equals(right);
}
