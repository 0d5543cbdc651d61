// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Security.Tests;

public sealed class PasswordTests
{
    [Theory]
    [InlineData("Adm1n!pass", true)]
    [InlineData("Aa1!Aa1!", true)]
    [InlineData("Ünïcode1€x", true)]
    [InlineData("Aa1!Aa1", false)]
    [InlineData("aa1!aa1!", false)]
    [InlineData("AA1!AA1!", false)]
    [InlineData("Aab!Aab!", false)]
    [InlineData("Aa1xAa1x", false)]
    [InlineData("Aa1! Aa1!", false)]
    [InlineData("Aa1!\tAa1!", false)]
    [InlineData("Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!", true)]
    [InlineData("Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!x", false)]
    [InlineData("", false)]
    public void The_policy_needs_8_to_32_characters_with_upper_lower_digit_and_symbol(string password, bool strong) =>
        Assert.Equal(strong, PasswordPolicy.IsStrong(password));

    [Fact]
    public void Hashes_are_bcrypt_2a_cost_10_salted_and_verify()
    {
        string first = PasswordHasher.Hash("Adm1n!pass");
        string second = PasswordHasher.Hash("Adm1n!pass");
        Assert.StartsWith("$2a$10$", first, StringComparison.Ordinal);
        Assert.Equal(60, first.Length);
        Assert.NotEqual(first, second);
        Assert.True(PasswordHasher.Verify("Adm1n!pass", first));
        Assert.False(PasswordHasher.Verify("Adm1n!pasS", first));
        Assert.False(PasswordHasher.Verify("Adm1n!pass", "not a hash"));
    }

    [Fact]
    public void A_2a_hash_made_elsewhere_verifies()
    {
        // A published bcrypt test vector (jBCrypt's), in the $2a$ form Go's bcrypt (and so immudb) writes.
        Assert.True(PasswordHasher.Verify("abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i"));
        Assert.False(PasswordHasher.Verify("abd", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i"));
    }

    [Theory]
    [InlineData("immudb", true)]
    [InlineData("a_b_9", true)]
    [InlineData("", false)]
    [InlineData("with space", false)]
    [InlineData("dash-ed", false)]
    [InlineData("ünï", false)]
    public void User_names_are_ascii_letters_digits_and_underscores(string name, bool valid) => Assert.Equal(valid, UserNames.IsValid(name));
}
