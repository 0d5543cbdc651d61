// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using Cairn.Verification.Encodings;
using FsCheck;
using FsCheck.Fluent;

namespace Cairn.Verification.Tests;

/// <summary>Small helpers shared by the tests.</summary>
internal static class Support
{
    public static Digest D(string hex) => Digest.FromHex(hex);

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>A plain key-value entry of the key-value space, as Set writes it.</summary>
    public static TxEntry PlainEntry(string key, string value, KvMetadata? metadata = null) =>
        TxEntry.ForValue(KeyValueEncoding.StoredKey(Ascii(key)), KeyValueEncoding.PlainValue(Ascii(value)), metadata);

    /// <summary>The digest with bit <paramref name="bit"/> (0…255) flipped.</summary>
    public static Digest FlipBit(Digest digest, int bit)
    {
        var bytes = digest.ToArray();
        bytes[bit / 8] ^= (byte)(1 << (bit % 8));
        return new Digest(bytes);
    }

    /// <summary>Multiplies property-test case counts (environment CAIRN_TEST_SCALE, default 1) for longer local runs.</summary>
    public static int Scale { get; } = int.TryParse(Environment.GetEnvironmentVariable("CAIRN_TEST_SCALE"), out int scale) && scale > 0 ? scale : 1;

    /// <summary>Runs an FsCheck property and fails the test with the counter-example when it does not hold.</summary>
    public static void ForAll<T>(Gen<T> generator, Action<T> property, int maxTest)
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(maxTest * Scale).WithQuietOnSuccess(true);
        FsCheck.Check.One(config, Prop.ForAll(generator.ToArbitrary(), property));
    }

    /// <summary>Asserts that <paramref name="action"/> is rejected as an integrity failure.</summary>
    public static IntegrityException Rejects(Action action)
    {
        return Assert.Throws<IntegrityException>(action);
    }
}
