// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Security.Cryptography;

namespace Cairn.Verification.Tests;

/// <summary>
/// A deliberately naive model of the RFC 6962 tree and of immudb's proofs, written straight from the recursive
/// definitions of immudb-format §1.3 and §2, with plain byte arrays and its own SHA-256 calls. The production
/// tree is checked against it, so a shared mistake would have to be made twice in two different styles.
/// </summary>
internal static class ReferenceMerkle
{
    public static byte[] Leaf(byte[] data) => SHA256.HashData([0x00, .. data]);

    public static byte[] Node(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);

    public static byte[] Mth(List<byte[]> leafHashes)
    {
        if (leafHashes.Count == 1)
        {
            return leafHashes[0];
        }

        int k = LargestPowerOfTwoBelow(leafHashes.Count);
        return Node(Mth(leafHashes[..k]), Mth(leafHashes[k..]));
    }

    public static List<byte[]> Path(int m, List<byte[]> leafHashes)
    {
        if (leafHashes.Count <= 1)
        {
            return [];
        }

        int k = LargestPowerOfTwoBelow(leafHashes.Count);
        return m < k
            ? [.. Path(m, leafHashes[..k]), Mth(leafHashes[k..])]
            : [.. Path(m - k, leafHashes[k..]), Mth(leafHashes[..k])];
    }

    public static List<byte[]> Consistency(int i, List<byte[]> leafHashes) =>
        leafHashes.Count == 1 ? [] : Split(i, leafHashes);

    private static List<byte[]> Split(int m, List<byte[]> l)
    {
        int k = LargestPowerOfTwoBelow(l.Count);
        return m <= k
            ? [.. Sub(m, l[..k]), Mth(l[k..])]
            : [.. Sub(m - k, l[k..]), Mth(l[..k])];
    }

    private static List<byte[]> Sub(int m, List<byte[]> l) => m == l.Count ? [Mth(l)] : Split(m, l);

    private static int LargestPowerOfTwoBelow(int n)
    {
        int k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }
}
