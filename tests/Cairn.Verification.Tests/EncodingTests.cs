// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification.Encodings;
using static Cairn.Verification.Tests.Support;

namespace Cairn.Verification.Tests;

public sealed class EncodingTests
{
    [Fact]
    public void References_round_trip_and_malformed_ones_are_refused()
    {
        var value = KeyValueEncoding.ReferenceValue(42, Ascii("target"));
        Assert.True(KeyValueEncoding.TryParseReference(value, out ulong atTx, out var key));
        Assert.Equal(42UL, atTx);
        Assert.Equal("target", System.Text.Encoding.ASCII.GetString(key));
        Assert.False(KeyValueEncoding.TryParseReference(KeyValueEncoding.PlainValue(Ascii("plain value here")), out _, out _));
        Assert.False(KeyValueEncoding.TryParseReference(value.AsSpan(0, 5), out _, out _));
        var wrongSpace = value.ToArray();
        wrongSpace[9] = KeySpaces.SortedSet;
        Assert.False(KeyValueEncoding.TryParseReference(wrongSpace, out _, out _));

        Assert.True(KeyValueEncoding.TryGetUserKey(KeyValueEncoding.StoredKey(Ascii("k")), out var userKey));
        Assert.Equal(Ascii("k"), userKey.ToArray());
        Assert.False(KeyValueEncoding.TryGetUserKey([], out _));
        Assert.False(KeyValueEncoding.TryGetUserKey(SortedSetEncoding.SetPrefix(Ascii("s")), out _));
    }

    [Theory]
    [InlineData("set1", 1.5, "key1", 0UL)]
    [InlineData("s", -2.0, "member", 7UL)]
    [InlineData("", 0.0, "k", ulong.MaxValue)]
    [InlineData("scores", double.NegativeInfinity, "x.y.z", 1UL)]
    public void Sorted_set_keys_round_trip(string set, double score, string key, ulong atTx)
    {
        var stored = SortedSetEncoding.StoredKey(Ascii(set), score, Ascii(key), atTx);
        Assert.StartsWith(ToHex(SortedSetEncoding.SetPrefix(Ascii(set))), ToHex(stored), StringComparison.Ordinal);
        Assert.True(SortedSetEncoding.TryParse(stored, out var member));
        Assert.Equal(Ascii(set), member.Set);
        Assert.Equal(score, member.Score);
        Assert.Equal(Ascii(key), member.Key);
        Assert.Equal(atTx, member.AtTx);
    }

    [Fact]
    public void Malformed_sorted_set_keys_are_refused()
    {
        var stored = SortedSetEncoding.StoredKey(Ascii("set1"), 1.5, Ascii("key1"), 3);
        Assert.False(SortedSetEncoding.TryParse(stored.AsSpan(0, 10), out _));
        Assert.False(SortedSetEncoding.TryParse(stored.AsSpan(0, stored.Length - 1), out _));
        Assert.False(SortedSetEncoding.TryParse(KeyValueEncoding.StoredKey(stored), out _));

        var setTooLong = stored.ToArray();
        setTooLong[8] = 0xFF;
        Assert.False(SortedSetEncoding.TryParse(setTooLong, out _));

        var keyLengthWrong = stored.ToArray();
        keyLengthWrong[1 + 8 + 4 + 8 + 7] = 9;
        Assert.False(SortedSetEncoding.TryParse(keyLengthWrong, out _));

        var keyNotInKeyValueSpace = stored.ToArray();
        keyNotInKeyValueSpace[1 + 8 + 4 + 8 + 8] = 0x05;
        Assert.False(SortedSetEncoding.TryParse(keyNotInKeyValueSpace, out _));

        // Set length says the set eats everything: no room for score, key and atTx.
        byte[] cut = [KeySpaces.SortedSet, 0, 0, 0, 0, 0, 0, 0, 20, .. new byte[28]];
        Assert.False(SortedSetEncoding.TryParse(cut, out _));
    }

    [Fact]
    public void Sql_keys_follow_the_mapping_prefix_layout()
    {
        Assert.Equal("02" + ToHex(Ascii("CTL.DATABASE.")) + "00000001", ToHex(SqlEncoding.DatabaseCatalogKey(1)));
        Assert.Equal(
            "02" + ToHex(Ascii("P.")) + "00000001" + "00000002" + "00000000" + "abcd",
            ToHex(SqlEncoding.RowKey(1, 2, 0, Hex("abcd"))));
        Assert.Equal("02" + ToHex(Ascii("U.")), ToHex(SqlEncoding.StoredKey(SqlEncoding.UniqueIndexPrefix)));
        Assert.Equal(KeySpaces.Sql, SqlEncoding.StoredKey(SqlEncoding.CatalogTable)[0]);
        Assert.Throws<ArgumentNullException>(() => SqlEncoding.StoredKey(null!));
    }
}
