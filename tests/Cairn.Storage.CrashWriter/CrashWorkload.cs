// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Security.Cryptography;
using System.Text;

namespace Cairn.Storage.CrashWriter;

/// <summary>The value written for a key: 16 to 1,039 bytes derived from its hash; the crash test checks against it.</summary>
public static class CrashWorkload
{
    /// <summary>The key every tx of every run writes (besides its own keys).</summary>
    public const string SharedKey = "shared";

    public static byte[] ValueOf(string key)
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(key));
        int length = 16 + (((hash[0] << 8) | hash[1]) % 1024);
        var value = new byte[length];
        for (int i = 0; i < length; i++)
        {
            value[i] = hash[i % hash.Length];
        }

        return value;
    }
}
