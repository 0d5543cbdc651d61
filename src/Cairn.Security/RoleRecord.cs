// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Security;

/// <summary>A role as stored in systemdb: a named set of grants that users can be given.</summary>
/// <param name="Name">The role name (<see cref="RoleNames"/>).</param>
/// <param name="Grants">The privileges every member holds through the role.</param>
/// <param name="CreatedBy">Who created the role.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record RoleRecord(string Name, IReadOnlyList<Grant> Grants, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>Which role names are valid: 1 to 64 ASCII letters, digits, '_' and '-', starting with a letter.</summary>
public static class RoleNames
{
    /// <summary>The longest name.</summary>
    public const int MaxLength = 64;

    /// <summary>The rule, as every refusal states it.</summary>
    public const string Rule = "role names have 1 to 64 characters: ASCII letters, digits, '_' and '-', starting with a letter";

    /// <summary>Why <paramref name="name"/> is not a valid role name, or null when it is.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "role name is empty: " + Rule;
        }

        if (name.Length > MaxLength)
        {
            return $"role name is {name.Length} characters long: " + Rule;
        }

        if (!char.IsAsciiLetter(name[0]))
        {
            return $"role name '{name}' does not start with a letter: " + Rule;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return $"role name '{name}' contains '{c}': " + Rule;
            }
        }

        return null;
    }
}
