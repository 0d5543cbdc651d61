// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Google.Protobuf;

namespace Cairn.Protocol.Tests;

/// <summary>Hand-written wire bytes: hex with optional spaces, and a few fixed byte patterns.</summary>
internal static class Wire
{
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string Repeat(string hexByte, int count) => string.Concat(Enumerable.Repeat(hexByte, count));

    public static ByteString Bytes(byte value, int count) => ByteString.CopyFrom(Enumerable.Repeat(value, count).ToArray());

    public static ByteString Ascii(string text) => ByteString.CopyFromUtf8(text);

    public static void Encodes(string expectedHex, IMessage message) =>
        Assert.Equal(Convert.ToHexString(Hex(expectedHex)), Convert.ToHexString(message.ToByteArray()));
}
