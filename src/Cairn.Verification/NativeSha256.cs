// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Cairn.Verification;

/// <summary>
/// SHA-256 through OpenSSL's low-level functions (<c>SHA256_Init/Update/Final</c> of libcrypto, the library .NET's
/// own cryptography uses on Linux), with the context on the stack.
/// </summary>
/// <remarks>
/// Trees hash many inputs of 33 to ~150 bytes. Through .NET's <see cref="IncrementalHash"/> each costs ~330 ns, most
/// of it per-call work of the EVP layer (clearing OpenSSL's error queue, resetting the context); the low-level
/// functions take ~60 ns for the same bytes (measured on the bench machine, see bench/README.md). Where libcrypto or
/// the functions are missing (not Linux, OpenSSL built without deprecated APIs) or the known-answer check fails,
/// <see cref="IsAvailable"/> is false and <see cref="Digest.Compute"/> keeps using <see cref="IncrementalHash"/>.
/// </remarks>
internal static unsafe class NativeSha256
{
    // sizeof(SHA256_CTX) is 112 bytes in OpenSSL 1.1 and 3.x; the margin costs nothing on the stack.
    private const int ContextSize = 256;

    private static readonly delegate* unmanaged<byte*, int> s_init;
    private static readonly delegate* unmanaged<byte*, byte*, nuint, int> s_update;
    private static readonly delegate* unmanaged<byte*, byte*, int> s_final;

#pragma warning disable CA1810 // the exports must be looked up and checked before IsAvailable is set
    static NativeSha256()
#pragma warning restore CA1810
    {
        if (!OperatingSystem.IsLinux() || !TryLoad(out var library))
        {
            return;
        }

        if (NativeLibrary.TryGetExport(library, "SHA256_Init", out var init)
            && NativeLibrary.TryGetExport(library, "SHA256_Update", out var update)
            && NativeLibrary.TryGetExport(library, "SHA256_Final", out var final))
        {
            s_init = (delegate* unmanaged<byte*, int>)init;
            s_update = (delegate* unmanaged<byte*, byte*, nuint, int>)update;
            s_final = (delegate* unmanaged<byte*, byte*, int>)final;
            IsAvailable = AgreesWithDotNet();
        }
    }

    /// <summary>True when <see cref="Hash"/> may be called.</summary>
    public static bool IsAvailable { get; }

    /// <summary>SHA-256 of <paramref name="data"/> into the 32 bytes of <paramref name="destination"/>. Only when <see cref="IsAvailable"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        byte* context = stackalloc byte[ContextSize];
        fixed (byte* input = data)
        fixed (byte* output = destination)
        {
            if (s_init(context) != 1 || s_update(context, input, (nuint)data.Length) != 1 || s_final(output, context) != 1)
            {
                throw new CryptographicException("OpenSSL SHA-256 failed.");
            }
        }
    }

    private static bool TryLoad(out nint library)
    {
        foreach (string name in (ReadOnlySpan<string>)["libcrypto.so.3", "libcrypto.so.1.1"])
        {
            if (NativeLibrary.TryLoad(name, out library))
            {
                return true;
            }
        }

        library = 0;
        return false;
    }

    // Known answers against .NET's SHA-256 for lengths around the block boundaries before anything relies on it.
    private static bool AgreesWithDotNet()
    {
        try
        {
            Span<byte> ours = stackalloc byte[32];
            Span<byte> theirs = stackalloc byte[32];
            var input = new byte[300];
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = (byte)((i * 131) + 7);
            }

            foreach (int length in (ReadOnlySpan<int>)[0, 1, 33, 55, 56, 63, 64, 65, 119, 128, 300])
            {
                Hash(input.AsSpan(0, length), ours);
                SHA256.HashData(input.AsSpan(0, length), theirs);
                if (!ours.SequenceEqual(theirs))
                {
                    return false;
                }
            }

            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
