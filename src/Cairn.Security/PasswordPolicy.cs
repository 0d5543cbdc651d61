// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using System.Text;

namespace Cairn.Security;

/// <summary>
/// The password rule for every user: 8 to 32 characters, each a letter, digit, punctuation mark or symbol (no
/// spaces or control characters), with at least one upper-case letter, one lower-case letter, one digit and one
/// punctuation mark or symbol.
/// </summary>
public static class PasswordPolicy
{
    /// <summary>Fewest characters.</summary>
    public const int MinLength = 8;

    /// <summary>Most characters (bcrypt reads at most 72 bytes; 32 characters of up to 2 UTF-8 bytes stay below).</summary>
    public const int MaxLength = 32;

    /// <summary>The rule, as every refusal states it.</summary>
    public const string Rule =
        "password must have between 8 and 32 letters, digits and special characters of which at least 1 uppercase letter, " +
        "1 lowercase letter, 1 digit and 1 special character";

    /// <summary>Whether <paramref name="password"/> follows the rule.</summary>
    public static bool IsStrong(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        int length = 0;
        bool upper = false, lower = false, digit = false, special = false;
        foreach (var rune in password.EnumerateRunes())
        {
            length++;
            switch (Rune.GetUnicodeCategory(rune))
            {
                case UnicodeCategory.UppercaseLetter:
                    upper = true;
                    break;
                case UnicodeCategory.LowercaseLetter:
                    lower = true;
                    break;
                case UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter:
                    break;
                case UnicodeCategory.DecimalDigitNumber:
                    digit = true;
                    break;
                case UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                    or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                    or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation
                    or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                    or UnicodeCategory.OtherSymbol:
                    special = true;
                    break;
                default:
                    return false;
            }
        }

        return length is >= MinLength and <= MaxLength && upper && lower && digit && special;
    }
}
