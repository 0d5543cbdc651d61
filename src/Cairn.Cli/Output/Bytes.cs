// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;

namespace Cairn.Cli.Output;

/// <summary>Keys and values as text: UTF-8 when they are valid UTF-8, base64 otherwise.</summary>
internal static class Bytes
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The bytes of a key or value typed on the command line.</summary>
    public static byte[] From(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>The text of <paramref name="bytes"/>, and "base64" as its encoding when they are not valid UTF-8.</summary>
    public static (string Text, string? Encoding) Show(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return (StrictUtf8.GetString(bytes), null);
        }
        catch (DecoderFallbackException)
        {
            return (Convert.ToBase64String(bytes), "base64");
        }
    }

    /// <summary>
    /// One string for a table cell: base64 ones are marked so they are not taken for text, and control characters
    /// are shown as \xNN so that a key cannot move the cursor or break the table.
    /// </summary>
    public static string Cell(string text, string? encoding)
    {
        if (encoding is not null)
        {
            return $"base64:{text}";
        }

        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var cell = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            _ = char.IsControl(c) ? cell.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}") : cell.Append(c);
        }

        return cell.ToString();
    }
}
