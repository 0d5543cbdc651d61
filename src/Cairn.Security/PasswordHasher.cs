// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Security;

/// <summary>
/// Password hashes in immudb's format: bcrypt, revision 2a, cost 10 (<c>$2a$10$…</c>), so a user table moved
/// between immudb and Cairn keeps working. Only hashes are ever stored.
/// </summary>
public static class PasswordHasher
{
    /// <summary>bcrypt's work factor: 2^10 rounds, ~50 ms per check on this class of machine.</summary>
    public const int WorkFactor = 10;

    /// <summary>A new salted hash of <paramref name="password"/>.</summary>
    public static string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        string salt = BCrypt.Net.BCrypt.GenerateSalt(WorkFactor, 'a');
        return BCrypt.Net.BCrypt.HashPassword(password, salt);
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="hash"/>; a malformed hash never matches.</summary>
    public static bool Verify(string password, string hash)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(hash);
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
    }
}
