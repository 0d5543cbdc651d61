// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Security.Tests;

public sealed class AccessTokenTests
{
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void A_token_carries_its_user_and_database_until_it_expires()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var tokens = new AccessTokens(TimeSpan.FromMinutes(10), clock);
        string token = tokens.Issue("alice", "defaultdb");
        var valid = tokens.Validate(token);
        Assert.Equal(TokenStatus.Valid, valid.Status);
        Assert.Equal(new TokenClaims("alice", "defaultdb", clock.Now.AddMinutes(10)), valid.Claims);
        Assert.Null(tokens.Validate(tokens.Issue("bob", null)).Claims!.Database);

        clock.Now = clock.Now.AddMinutes(10);
        Assert.Equal(TokenStatus.Expired, tokens.Validate(token).Status);
    }

    [Fact]
    public void Forged_damaged_foreign_and_revoked_tokens_are_invalid()
    {
        var tokens = new AccessTokens(TimeSpan.FromHours(1));
        string token = tokens.Issue("alice", "defaultdb");
        Assert.Equal(TokenStatus.Invalid, new AccessTokens(TimeSpan.FromHours(1)).Validate(token).Status);
        Assert.Equal(TokenStatus.Invalid, tokens.Validate("").Status);
        Assert.Equal(TokenStatus.Invalid, tokens.Validate("cairn1.abc").Status);
        Assert.Equal(TokenStatus.Invalid, tokens.Validate(new string('x', 5000)).Status);

        // The MAC's last character has two unused bits: with them set the text is malformed base64url, which the
        // decoder throws on rather than reports; the token is still just invalid.
        char malformedLast = token[^1] == 'B' ? 'C' : 'B';
        Assert.Equal(TokenStatus.Invalid, tokens.Validate(token[..^1] + malformedLast).Status);
        for (int i = "cairn1.".Length; i < token.Length; i++)
        {
            char replacement = token[i] == 'A' ? 'B' : 'A';
            string damaged = token[..i] + replacement + token[(i + 1)..];
            Assert.NotEqual(TokenStatus.Valid, tokens.Validate(damaged).Status);
        }

        string other = tokens.Issue("bob", null);
        tokens.RevokeAll("alice");
        Assert.Equal(TokenStatus.Invalid, tokens.Validate(token).Status);
        Assert.Equal(TokenStatus.Valid, tokens.Validate(other).Status);
        Assert.Equal(TokenStatus.Valid, tokens.Validate(tokens.Issue("alice", "defaultdb")).Status);
    }

    [Fact]
    public void Permission_levels_include_the_ones_below()
    {
        Assert.True(Permission.SysAdmin.Includes(Permission.Admin));
        Assert.True(Permission.Admin.Includes(Permission.ReadWrite));
        Assert.True(Permission.ReadWrite.Includes(Permission.Read));
        Assert.False(Permission.Read.Includes(Permission.ReadWrite));
        Assert.False(Permission.None.Includes(Permission.Read));
        Assert.Equal("readwrite", Permission.ReadWrite.Name());
        Assert.True(Permissions.IsGrantable(254));
        Assert.False(Permissions.IsGrantable(255));
        Assert.False(Permissions.IsGrantable(0));
    }
}
