// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Security;

/// <summary>Which user names are valid: 1 to 128 ASCII letters, digits and underscores (immudb's rule, bounded).</summary>
public static class UserNames
{
    /// <summary>The longest name.</summary>
    public const int MaxLength = 128;

    /// <summary>The built-in administrator, the server's first sysadmin.</summary>
    public const string Admin = "immudb";

    /// <summary>The administrator's password until one is set (immudb's default).</summary>
    public const string DefaultAdminPassword = "immudb";

    /// <summary>Whether <paramref name="name"/> is a valid user name.</summary>
    public static bool IsValid(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The rule, as every refusal states it.</summary>
    public const string Rule = "user names have 1 to 128 characters: ASCII letters, digits and underscores";

    /// <summary>Why <paramref name="name"/> is not a valid user name, or null when it is.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "user name is empty: " + Rule;
        }

        if (name.Length > MaxLength)
        {
            return $"user name is {name.Length} characters long: " + Rule;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return $"user name '{name}' contains '{c}': " + Rule;
            }
        }

        return null;
    }
}
