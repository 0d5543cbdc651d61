// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Cairn.Security;

/// <summary>What an access token says: who, which database (null: none selected yet), until when.</summary>
public sealed record TokenClaims(string User, string? Database, DateTimeOffset ExpiresAt);

/// <summary>
/// Bearer tokens for immudb's token mode (<c>authorization: Bearer …</c>). A token is its claims plus an
/// HMAC-SHA256 under a key made at start-up and never stored, so a restart invalidates every token, as in immudb.
/// Each user has a generation number inside its tokens; <see cref="RevokeAll"/> bumps it, which ends every token
/// the user holds (logout, password change, deactivation) without a list of issued tokens to keep.
/// </summary>
public sealed class AccessTokens
{
    private const string Prefix = "cairn1.";
    private const int MacSize = 32;
    private const int MaxTokenLength = 2048;

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, long> _generations = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Creates the issuer.</summary>
    /// <param name="lifetime">How long a token stays valid.</param>
    /// <param name="time">The clock (tests move it).</param>
    public AccessTokens(TimeSpan lifetime, TimeProvider? time = null)
    {
        Lifetime = lifetime;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How long a token stays valid.</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>A new token for <paramref name="user"/>, bound to <paramref name="database"/> (null: none).</summary>
    public string Issue(string user, string? database)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        long expires = _time.GetUtcNow().Add(Lifetime).ToUnixTimeSeconds();
        long generation = _generations.GetOrAdd(user, 0);
        byte[] payload = Encoding.UTF8.GetBytes($"{user}\n{database ?? string.Empty}\n{(database is null ? 0 : 1)}\n{expires}\n{generation}");
        byte[] mac = HMACSHA256.HashData(_key, payload);
        return Prefix + Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(mac);
    }

    /// <summary>The claims of a valid token, or why it is not valid.</summary>
    public TokenValidation Validate(string token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return TokenValidation.Invalid;
        }

        int dot = token.IndexOf('.', Prefix.Length);
        if (dot < 0)
        {
            return TokenValidation.Invalid;
        }

        byte[]? payload = FromBase64Url(token.AsSpan(Prefix.Length, dot - Prefix.Length));
        byte[]? mac = FromBase64Url(token.AsSpan(dot + 1));
        if (payload is null || mac is null || mac.Length != MacSize ||
            !CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, payload), mac))
        {
            return TokenValidation.Invalid;
        }

        string[] parts = Encoding.UTF8.GetString(payload).Split('\n');
        if (parts.Length != 5 || !long.TryParse(parts[3], out long expires) || !long.TryParse(parts[4], out long generation))
        {
            return TokenValidation.Invalid;
        }

        var claims = new TokenClaims(parts[0], parts[2] == "1" ? parts[1] : null, DateTimeOffset.FromUnixTimeSeconds(expires));
        if (_generations.GetOrAdd(claims.User, 0) != generation)
        {
            return TokenValidation.Invalid;
        }

        return claims.ExpiresAt <= _time.GetUtcNow() ? new TokenValidation(TokenStatus.Expired, claims) : new TokenValidation(TokenStatus.Valid, claims);
    }

    /// <summary>Ends every token <paramref name="user"/> holds.</summary>
    public void RevokeAll(string user) => _generations.AddOrUpdate(user, 1, (_, g) => g + 1);

    private static byte[]? FromBase64Url(ReadOnlySpan<char> text)
    {
        var buffer = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        try
        {
            return Base64Url.TryDecodeFromChars(text, buffer, out int written) ? buffer.AsSpan(0, written).ToArray() : null;
        }
        catch (FormatException)
        {
            // "Try" reports only a short destination: malformed text (a stray character, a last character whose
            // unused bits are set) throws, and a damaged token is simply invalid.
            return null;
        }
    }
}

/// <summary>Whether a token can be used.</summary>
public enum TokenStatus
{
    /// <summary>Forged, damaged, revoked or from before a restart.</summary>
    Invalid,

    /// <summary>Genuine but past its lifetime.</summary>
    Expired,

    /// <summary>Usable.</summary>
    Valid,
}

/// <summary>The result of <see cref="AccessTokens.Validate"/>.</summary>
public readonly record struct TokenValidation(TokenStatus Status, TokenClaims? Claims)
{
    /// <summary>A token that cannot be used.</summary>
    public static TokenValidation Invalid => new(TokenStatus.Invalid, null);
}
