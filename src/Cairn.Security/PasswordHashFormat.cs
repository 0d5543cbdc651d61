// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using System.Text.RegularExpressions;

namespace Cairn.Security;

/// <summary>Which ready-made password hashes are accepted (e.g. from a provisioning file): bcrypt, cost 10 or more.</summary>
public static partial class PasswordHashFormat
{
    /// <summary>The rule, as refusals state it.</summary>
    public const string Rule = "a bcrypt hash ($2a$, $2b$ or $2y$) with a cost of at least 10, e.g. $2a$10$ followed by 53 characters";

    /// <summary>Why <paramref name="hash"/> is not accepted, or null when it is. Never quotes the hash.</summary>
    public static string? Problem(string hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        var match = Bcrypt().Match(hash);
        if (!match.Success)
        {
            return "not " + Rule;
        }

        int cost = int.Parse(match.Groups["cost"].Value, CultureInfo.InvariantCulture);
        return cost is < PasswordHasher.WorkFactor or > 31
            ? $"bcrypt cost {cost} is outside {PasswordHasher.WorkFactor} to 31"
            : null;
    }

    [GeneratedRegex(@"^\$2[aby]\$(?<cost>[0-9]{2})\$[./A-Za-z0-9]{53}$", RegexOptions.CultureInvariant)]
    private static partial Regex Bcrypt();
}
