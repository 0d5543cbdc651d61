// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;

namespace Cairn.Security;

/// <summary>
/// A key path pattern such as <c>sensors.**</c> or <c>sensors.*.temp</c>. Keys are split into segments by the
/// database's separator (default <c>.</c>); a pattern segment is a literal, <c>*</c> (exactly one segment, any
/// content, even empty) or <c>**</c> (zero or more segments). So <c>sensors.**</c> matches <c>sensors</c> itself
/// and everything below it, and <c>**</c> matches every key. Immutable and compiled once: matching a key allocates
/// nothing.
/// </summary>
public sealed class KeyPattern
{
    /// <summary>The longest pattern text.</summary>
    public const int MaxLength = 1024;

    /// <summary>The separator used when a database does not set one.</summary>
    public const char DefaultSeparator = '.';

    private readonly Segment[] _segments;

    private KeyPattern(Segment[] segments, char separator, string text)
    {
        _segments = segments;
        Separator = separator;
        Text = text;
    }

    /// <summary>The pattern that matches every key.</summary>
    public static KeyPattern All { get; } = new([Segment.Any], DefaultSeparator, "**");

    /// <summary>The pattern as written (with runs of <c>**</c> collapsed).</summary>
    public string Text { get; }

    /// <summary>The separator the pattern was parsed with.</summary>
    public char Separator { get; }

    /// <summary>Whether this pattern matches every key.</summary>
    public bool MatchesEverything => _segments is [{ Kind: SegmentKind.Any }];

    /// <summary>Parses and validates <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentException">The pattern is not valid; the message says why.</exception>
    public static KeyPattern Parse(string text, char separator = DefaultSeparator) =>
        TryParse(text, separator, out var pattern, out string? error) ? pattern : throw new ArgumentException(error, nameof(text));

    /// <summary>Parses <paramref name="text"/>, or says why it is not a valid pattern.</summary>
    public static bool TryParse(string? text, char separator, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out KeyPattern? pattern, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        pattern = null;
        error = ValidateSeparator(separator);
        if (error is not null)
        {
            return false;
        }

        if (string.IsNullOrEmpty(text))
        {
            error = "key pattern is empty (use ** for every key)";
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = $"key pattern is longer than {MaxLength} characters";
            return false;
        }

        var segments = new List<Segment>();
        foreach (string part in text.Split(separator))
        {
            if (part.Length == 0)
            {
                error = $"key pattern '{text}' has an empty segment (segments are separated by '{separator}')";
                return false;
            }

            Segment segment;
            if (part == "**")
            {
                // a.**.** matches what a.** matches; keeping one keeps matching linear.
                if (segments.Count > 0 && segments[^1].Kind == SegmentKind.Any)
                {
                    continue;
                }

                segment = Segment.Any;
            }
            else if (part == "*")
            {
                segment = Segment.One;
            }
            else if (part.Contains('*', StringComparison.Ordinal))
            {
                error = $"key pattern '{text}': '*' and '**' must be whole segments (found '{part}')";
                return false;
            }
            else
            {
                segment = new Segment(SegmentKind.Literal, Encoding.UTF8.GetBytes(part));
            }

            segments.Add(segment);
        }

        pattern = new KeyPattern([.. segments], separator, string.Join(separator, segments.Select(s => s.ToString())));
        return true;
    }

    /// <summary>The pattern that matches exactly <paramref name="key"/> (its segments taken literally, even '*').</summary>
    public static KeyPattern ForKey(ReadOnlySpan<byte> key, char separator = DefaultSeparator)
    {
        var segments = new List<Segment>();
        byte sep = SeparatorByte(separator);
        int position = 0;
        while (position >= 0)
        {
            int end = NextSeparator(key, position, sep);
            segments.Add(new Segment(SegmentKind.Literal, key[position..end].ToArray()));
            position = end < key.Length ? end + 1 : -1;
        }

        return new KeyPattern([.. segments], separator, Encoding.UTF8.GetString(key));
    }

    /// <summary>
    /// The smallest pattern covering every key that starts with <paramref name="prefix"/>: its whole segments taken
    /// literally, then <c>*.**</c> (the last, partial segment can continue with anything).
    /// </summary>
    public static KeyPattern ForPrefix(ReadOnlySpan<byte> prefix, char separator = DefaultSeparator)
    {
        var segments = new List<Segment>();
        byte sep = SeparatorByte(separator);
        int position = 0;
        while (true)
        {
            int end = NextSeparator(prefix, position, sep);
            if (end == prefix.Length)
            {
                break;
            }

            segments.Add(new Segment(SegmentKind.Literal, prefix[position..end].ToArray()));
            position = end + 1;
        }

        segments.Add(Segment.One);
        segments.Add(Segment.Any);
        return new KeyPattern([.. segments], separator, Encoding.UTF8.GetString(prefix) + "…");
    }

    /// <summary>Why <paramref name="separator"/> cannot separate key segments, or null when it can.</summary>
    public static string? ValidateSeparator(char separator) =>
        separator is > ' ' and < (char)0x7f and not '*'
            ? null
            : "the key separator must be one printable ASCII character other than '*'";

    /// <summary>Whether <paramref name="key"/> matches the pattern. Allocates nothing.</summary>
    public bool Matches(ReadOnlySpan<byte> key)
    {
        byte sep = SeparatorByte(Separator);
        var segments = _segments;

        // Classic wildcard matching over segments: on a mismatch, the last ** absorbs one more segment.
        int p = 0;
        int t = 0; // byte offset of the current key segment; -1 once every segment is consumed
        int starP = -1, starT = -1;
        while (t >= 0)
        {
            int end = NextSeparator(key, t, sep);
            int next = end < key.Length ? end + 1 : -1;
            if (p < segments.Length && segments[p].Kind == SegmentKind.Any)
            {
                starP = p++;
                starT = t;
            }
            else if (p < segments.Length && segments[p].Matches(key[t..end]))
            {
                p++;
                t = next;
            }
            else if (starP >= 0)
            {
                int starEnd = NextSeparator(key, starT, sep);
                starT = starEnd < key.Length ? starEnd + 1 : -1;
                t = starT;
                p = starP + 1;
            }
            else
            {
                return false;
            }
        }

        while (p < segments.Length && segments[p].Kind == SegmentKind.Any)
        {
            p++;
        }

        return p == segments.Length;
    }

    /// <summary>
    /// Whether every key <paramref name="other"/> matches is also matched by this pattern. Sound (never true when
    /// some key is not covered); it may answer false for exotic equivalent spellings such as <c>*.**</c> against
    /// <c>**</c>, which only refuses, never lets through.
    /// </summary>
    public bool Covers(KeyPattern other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (MatchesEverything)
        {
            return true;
        }

        var p = _segments;
        var q = other._segments;
        int width = q.Length + 1;

        // covers[i, j]: p[i..] covers q[j..]; filled from the ends backwards.
        bool[] covers = new bool[(p.Length + 1) * width];
        covers[(p.Length * width) + q.Length] = true;
        for (int i = p.Length - 1; i >= 0; i--)
        {
            covers[(i * width) + q.Length] = p[i].Kind == SegmentKind.Any && covers[((i + 1) * width) + q.Length];
            for (int j = q.Length - 1; j >= 0; j--)
            {
                bool next = covers[((i + 1) * width) + j + 1];
                bool absorbNone = covers[((i + 1) * width) + j];
                bool absorbOne = covers[(i * width) + j + 1];
                covers[(i * width) + j] = (p[i].Kind, q[j].Kind) switch
                {
                    (SegmentKind.Any, _) => absorbNone || absorbOne,
                    (SegmentKind.One, SegmentKind.Literal or SegmentKind.One) => next,
                    (SegmentKind.Literal, SegmentKind.Literal) => p[i].Bytes.AsSpan().SequenceEqual(q[j].Bytes) && next,
                    _ => false,
                };
            }
        }

        return covers[0];
    }

    /// <summary>Whether the pattern matches every key that starts with <paramref name="prefix"/>.</summary>
    public bool CoversPrefix(ReadOnlySpan<byte> prefix) => MatchesEverything || Covers(ForPrefix(prefix, Separator));

    /// <inheritdoc />
    public override string ToString() => Text;

    private static byte SeparatorByte(char separator) =>
        ValidateSeparator(separator) is { } error ? throw new ArgumentException(error, nameof(separator)) : (byte)separator;

    private static int NextSeparator(ReadOnlySpan<byte> key, int start, byte separator)
    {
        int index = key[start..].IndexOf(separator);
        return index < 0 ? key.Length : start + index;
    }

    private enum SegmentKind : byte
    {
        Literal,
        One,
        Any,
    }

    private readonly record struct Segment(SegmentKind Kind, byte[] Bytes)
    {
        public static readonly Segment One = new(SegmentKind.One, []);
        public static readonly Segment Any = new(SegmentKind.Any, []);

        public bool Matches(ReadOnlySpan<byte> segment) => Kind switch
        {
            SegmentKind.Literal => segment.SequenceEqual(Bytes),
            SegmentKind.One => true,
            _ => true,
        };

        public override string ToString() => Kind switch
        {
            SegmentKind.Literal => Encoding.UTF8.GetString(Bytes),
            SegmentKind.One => "*",
            _ => "**",
        };
    }
}
