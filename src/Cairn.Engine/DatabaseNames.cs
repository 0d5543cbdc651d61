// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using System.Text;

namespace Cairn.Engine;

/// <summary>Database names (immudb's rules): 1 to 128 lower-case letters and digits; each is also a folder name.</summary>
public static class DatabaseNames
{
    /// <summary>The internal database of users, databases and settings.</summary>
    public const string System = "systemdb";

    /// <summary>The audit trail: written by the server only, readable with its own permission.</summary>
    public const string Audit = "auditdb";

    /// <summary>The database every server has from its first start.</summary>
    public const string Default = "defaultdb";

    /// <summary>The longest name.</summary>
    public const int MaxLength = 128;

    /// <summary>Whether <paramref name="name"/> is one of the server's own databases (systemdb, auditdb).</summary>
    public static bool IsReserved(string name) =>
        string.Equals(name, System, StringComparison.Ordinal) || string.Equals(name, Audit, StringComparison.Ordinal);

    /// <summary>Why <paramref name="name"/> cannot name a new database, or null when it can.</summary>
    public static string? Problem(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "database name length outside of limits";
        }

        if (name.Length > MaxLength)
        {
            return $"database name length outside of limits (at most {MaxLength} characters)";
        }

        if (!string.Equals(name, name.ToLowerInvariant(), StringComparison.Ordinal))
        {
            return "provide a lowercase database name";
        }

        foreach (var rune in name.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsLetter(rune) && category != UnicodeCategory.UppercaseLetter && category != UnicodeCategory.TitlecaseLetter)
            {
                continue;
            }

            if (Rune.IsDigit(rune))
            {
                continue;
            }

            return Rune.IsPunctuation(rune) || Rune.IsSymbol(rune)
                ? "punctuation marks and symbols are not allowed in database name"
                : "unrecognized character in database name";
        }

        return IsReserved(name) ? "database name is reserved" : null;
    }
}
