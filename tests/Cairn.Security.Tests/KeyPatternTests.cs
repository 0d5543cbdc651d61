// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Cairn.Security.Tests;

/// <summary>Key path patterns: parsing, matching, coverage, checked against a naive reference matcher.</summary>
public sealed class KeyPatternTests
{
    private const int Cases = 2_000;

    // A small alphabet makes collisions (and so interesting matches) frequent; "x*" is a key segment holding a '*'.
    private static readonly Gen<string> KeySegment = Gen.Elements("a", "b", "c", "", "x*");
    private static readonly Gen<string> PatternSegment = Gen.Elements("a", "b", "c", "*", "**");

    private static readonly Gen<string[]> KeySegments =
        from n in Gen.Choose(1, 6)
        from segments in Gen.ArrayOf(KeySegment, n)
        select segments;

    private static readonly Gen<string[]> PatternSegments =
        from n in Gen.Choose(1, 5)
        from segments in Gen.ArrayOf(PatternSegment, n)
        select segments;

    [Theory]
    [InlineData("**", "sensors.1.temp", true)]
    [InlineData("**", "", true)]
    [InlineData("sensors.**", "sensors", true)]
    [InlineData("sensors.**", "sensors.1.temp", true)]
    [InlineData("sensors.**", "sensorsX.1", false)]
    [InlineData("sensors.**", "other.sensors", false)]
    [InlineData("sensors.*.temp", "sensors.1.temp", true)]
    [InlineData("sensors.*.temp", "sensors..temp", true)]
    [InlineData("sensors.*.temp", "sensors.1.2.temp", false)]
    [InlineData("sensors.*.temp", "sensors.1.hum", false)]
    [InlineData("**.temp", "sensors.1.temp", true)]
    [InlineData("**.temp", "temp", true)]
    [InlineData("a.**.z", "a.b.c.z", true)]
    [InlineData("a.**.z", "a.z", true)]
    [InlineData("a.**.z", "a.b.c", false)]
    [InlineData("exact", "exact", true)]
    [InlineData("exact", "exact.more", false)]
    public void Patterns_match_keys_segment_by_segment(string pattern, string key, bool matches) =>
        Assert.Equal(matches, KeyPattern.Parse(pattern).Matches(Encoding.UTF8.GetBytes(key)));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a..b", "empty segment")]
    [InlineData("a.", "empty segment")]
    [InlineData("sens*", "whole segments")]
    [InlineData("a.***", "whole segments")]
    public void Invalid_patterns_are_refused_with_the_reason(string text, string reason)
    {
        Assert.False(KeyPattern.TryParse(text, '.', out _, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_separator_is_a_setting_of_the_pattern()
    {
        var pattern = KeyPattern.Parse("sensors/*/temp", '/');
        Assert.True(pattern.Matches("sensors/1.5/temp"u8));
        Assert.False(pattern.Matches("sensors.1.temp"u8));
        Assert.False(KeyPattern.TryParse("a", '*', out _, out _));
        Assert.Equal("a.**", KeyPattern.Parse("a.**.**").Text);
    }

    [Theory]
    [InlineData("**", "", true)]
    [InlineData("**", "anything", true)]
    [InlineData("sensors.**", "sensors.", true)]
    [InlineData("sensors.**", "sensors.1.", true)]
    [InlineData("sensors.**", "sensors", false)] // also "sensorsX"
    [InlineData("sensors.**", "", false)]
    [InlineData("sensors.*.**", "sensors.1.", true)]
    [InlineData("sensors.*.temp", "sensors.1.", false)]
    [InlineData("sensors.1.temp", "sensors.1.temp", false)] // also "sensors.1.temperature"
    [InlineData("b.**", "a.", false)]
    public void Prefix_coverage_means_every_key_with_the_prefix(string pattern, string prefix, bool covers) =>
        Assert.Equal(covers, KeyPattern.Parse(pattern).CoversPrefix(Encoding.UTF8.GetBytes(prefix)));

    [Theory]
    [InlineData("**", "a.*.c", true)]
    [InlineData("a.**", "a.b.**", true)]
    [InlineData("a.**", "a", true)]
    [InlineData("a.*.**", "a.b.c", true)]
    [InlineData("a.b.**", "a.**", false)]
    [InlineData("a.*", "a.**", false)]
    [InlineData("a.*.c", "a.b.c", true)]
    [InlineData("a.b.c", "a.*.c", false)]
    [InlineData("b.**", "a.**", false)]
    public void Coverage_between_patterns(string wide, string narrow, bool covers) =>
        Assert.Equal(covers, KeyPattern.Parse(wide).Covers(KeyPattern.Parse(narrow)));

    [Fact]
    public void Double_star_covers_every_key_and_every_prefix()
    {
        ForAll(KeySegments, segments =>
        {
            byte[] key = Key(segments);
            Assert.True(KeyPattern.All.Matches(key));
            Assert.True(KeyPattern.Parse("**").CoversPrefix(key));
        });
    }

    [Fact]
    public void Matching_agrees_with_the_reference_matcher()
    {
        ForAll(PatternSegments.Zip(KeySegments), pair =>
        {
            var (pattern, key) = pair;
            Assert.True(Reference(pattern, key) == Parse(pattern).Matches(Key(key)), $"{string.Join('.', pattern)} vs {string.Join('.', key)}");
        });
    }

    [Fact]
    public void A_pattern_covers_exactly_the_keys_it_matches()
    {
        ForAll(PatternSegments.Zip(KeySegments), pair =>
        {
            var (pattern, key) = pair;
            var compiled = Parse(pattern);
            Assert.Equal(compiled.Matches(Key(key)), compiled.Covers(KeyPattern.ForKey(Key(key))));
        });
    }

    [Fact]
    public void Coverage_is_sound_for_every_key_of_the_covered_pattern()
    {
        var gen =
            from wide in PatternSegments
            from narrow in PatternSegments
            from key in Instances(narrow)
            select (wide, narrow, key);
        ForAll(gen, c =>
        {
            var narrow = Parse(c.narrow);
            Assert.True(narrow.Matches(Key(c.key)), "the generator instantiates the pattern");
            Assert.True(narrow.Covers(narrow), "coverage is reflexive");
            if (Parse(c.wide).Covers(narrow))
            {
                Assert.True(Parse(c.wide).Matches(Key(c.key)), $"{string.Join('.', c.wide)} covers {string.Join('.', c.narrow)} but not {string.Join('.', c.key)}");
            }
        });
    }

    [Fact]
    public void Prefix_coverage_is_sound_for_every_key_with_the_prefix()
    {
        var gen =
            from pattern in PatternSegments
            from prefix in KeySegments
            from partial in Gen.Elements("", "a", "b")
            from suffix in KeySegments
            select (pattern, prefix: string.Join('.', prefix) + "." + partial, suffix: string.Join('.', suffix));
        ForAll(gen, c =>
        {
            if (Parse(c.pattern).CoversPrefix(Encoding.UTF8.GetBytes(c.prefix)))
            {
                Assert.True(Parse(c.pattern).Matches(Encoding.UTF8.GetBytes(c.prefix + c.suffix)), $"{string.Join('.', c.pattern)} over {c.prefix}{c.suffix}");
                Assert.True(Parse(c.pattern).Matches(Encoding.UTF8.GetBytes(c.prefix)));
            }
        });
    }

    [Fact]
    public void Sibling_patterns_never_match_each_others_keys()
    {
        var gen =
            from parent in Arrays(Gen.Elements("a", "b", "*"), 0, 3)
            from siblings in Gen.Elements(("x", "y"), ("y", "x"), ("x", "xx"))
            from tailA in Arrays(PatternSegment, 0, 3)
            from tailB in Arrays(PatternSegment, 0, 3)
            let a = parent.Append(siblings.Item1).Concat(tailA).ToArray()
            let b = parent.Append(siblings.Item2).Concat(tailB).ToArray()
            from key in Instances(a)
            select (a, b, key);
        ForAll(gen, c =>
        {
            Assert.True(Parse(c.a).Matches(Key(c.key)));
            Assert.False(Parse(c.b).Matches(Key(c.key)), $"{string.Join('.', c.b)} matches {string.Join('.', c.key)}, a key of {string.Join('.', c.a)}");
            Assert.False(Parse(c.b).Covers(Parse(c.a)));
        });
    }

    private static Gen<string[]> Arrays(Gen<string> element, int min, int max) =>
        from n in Gen.Choose(min, max)
        from items in Gen.ArrayOf(element, n)
        select items;

    private static KeyPattern Parse(string[] segments) => KeyPattern.Parse(string.Join('.', segments));

    private static byte[] Key(string[] segments) => Encoding.UTF8.GetBytes(string.Join('.', segments));

    // Random keys the pattern matches: each * one segment, each ** zero to three.
    private static Gen<string[]> Instances(string[] pattern)
    {
        var gen = Gen.Constant(Enumerable.Empty<string>());
        foreach (string segment in pattern)
        {
            var part = segment switch
            {
                "*" => KeySegment.Select(s => (IEnumerable<string>)[s]),
                "**" => Arrays(KeySegment, 0, 3).Select(s => (IEnumerable<string>)s),
                _ => Gen.Constant((IEnumerable<string>)[segment]),
            };
            gen = from head in gen from tail in part select head.Concat(tail);
        }

        return gen.Select(s => s.ToArray() is { Length: > 0 } a ? a : [string.Empty]);
    }

    // Naive recursive glob over segments: ** is zero or more segments, * exactly one.
    private static bool Reference(ReadOnlySpan<string> pattern, ReadOnlySpan<string> key)
    {
        if (pattern.IsEmpty)
        {
            return key.IsEmpty;
        }

        if (pattern[0] == "**")
        {
            return Reference(pattern[1..], key) || (!key.IsEmpty && Reference(pattern, key[1..]));
        }

        return !key.IsEmpty && (pattern[0] == "*" || pattern[0] == key[0]) && Reference(pattern[1..], key[1..]);
    }

    private static void ForAll<T>(Gen<T> generator, Action<T> property)
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true);
        Check.One(config, Prop.ForAll(generator.ToArbitrary(), property));
    }
}
