// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification;

/// <summary>
/// Root recomputation from an audit path, shared by both trees. Both use the RFC 6962 tree shape, so this is the
/// RFC 9162 §2.1.3.2 algorithm. It is stricter than immudb's own verifier (which ignores how many levels the
/// path climbs): it also requires that the path ends exactly at the top of a tree of the claimed size, so a
/// claimed size or index that differs from the real one is rejected even when the hashes would line up.
/// Every path immudb generates passes it.
/// </summary>
internal static class AuditPath
{
    /// <summary>Recomputes the root of a tree of <paramref name="size"/> leaves from leaf <paramref name="index"/>'s hash.</summary>
    public static bool TryComputeRoot(ulong index, ulong size, in Digest leafHash, ReadOnlySpan<Digest> path, out Digest root)
    {
        root = default;
        if (index >= size)
        {
            return false;
        }

        ulong fn = index;
        ulong sn = size - 1;
        var r = leafHash;
        foreach (ref readonly var p in path)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = MerkleHash.Node(p, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                r = MerkleHash.Node(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        if (sn != 0)
        {
            return false;
        }

        root = r;
        return true;
    }
}
