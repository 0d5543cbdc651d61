// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Security.Tests;

/// <summary>A user's rights: own grants ∪ roles' grants ∪ what its immudb permissions stand for.</summary>
public sealed class AccessRightsTests
{
    private static UserRecord User(string name, Dictionary<string, Permission>? permissions = null, bool sysAdmin = false) =>
        new(name, "hash", Active: true, sysAdmin, permissions ?? new Dictionary<string, Permission>(StringComparer.Ordinal), "immudb", DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_new_user_can_do_nothing()
    {
        var rights = AccessRights.For(User("nobody"), _ => null);
        foreach (var privilege in Privileges.All)
        {
            Assert.False(rights.HoldsAnywhere(privilege));
            Assert.False(rights.Allows(privilege, "defaultdb", "a"u8));
        }

        Assert.False(rights.HoldsAnyOn("defaultdb"));
    }

    [Fact]
    public void Permissions_stand_for_grants_on_every_key()
    {
        var rights = AccessRights.For(User("u", new(StringComparer.Ordinal) { ["r"] = Permission.Read, ["rw"] = Permission.ReadWrite, ["adm"] = Permission.Admin }), _ => null);
        Assert.True(rights.AllowsAllKeys(Privilege.Read, "r"));
        Assert.False(rights.HoldsAny(Privilege.Write, "r"));
        Assert.True(rights.AllowsAllKeys(Privilege.Delete, "rw"));
        Assert.False(rights.Holds(Privilege.Grant, "rw"));
        Assert.True(rights.Holds(Privilege.Grant, "adm"));
        Assert.True(rights.Holds(Privilege.CreateUser, "adm"));
        Assert.False(rights.Holds(Privilege.CreateUser, null));
        Assert.False(rights.HoldsAnywhere(Privilege.CreateRole));
        Assert.False(rights.HoldsAnyOn("other"));

        var sysAdmin = AccessRights.For(User("root", sysAdmin: true), _ => null);
        Assert.All(Privileges.All, p => Assert.True(sysAdmin.Holds(p, null)));
        Assert.True(sysAdmin.AllowsAllKeys(Privilege.Delete, "anydb"));
    }

    [Fact]
    public void Rights_are_the_union_of_own_and_role_grants()
    {
        var role = new RoleRecord("temps", [new Grant(Privilege.Read, "plant", "sensors.*.temp")], "immudb", DateTimeOffset.UnixEpoch);
        var user = User("u") with { Grants = [new Grant(Privilege.Write, "plant", "sensors.**")], Roles = ["temps", "dropped"] };
        var rights = AccessRights.For(user, name => name == "temps" ? role : null);

        Assert.True(rights.Allows(Privilege.Read, "plant", "sensors.1.temp"u8));
        Assert.False(rights.Allows(Privilege.Read, "plant", "sensors.1.hum"u8));
        Assert.True(rights.Allows(Privilege.Write, "plant", "sensors.1.hum"u8));
        Assert.False(rights.Allows(Privilege.Write, "other", "sensors.1.hum"u8));
        Assert.True(rights.AllowsPrefix(Privilege.Write, "plant", "sensors."u8));
        Assert.False(rights.AllowsPrefix(Privilege.Read, "plant", "sensors."u8));
        Assert.Equal(["user", "role:temps"], rights.Grants.Select(g => g.Source));
    }

    [Fact]
    public void Grants_on_every_database_use_each_database_separator()
    {
        var user = User("u") with { Grants = [new Grant(Privilege.Read, Grant.AnyDatabase, "logs/**")] };
        var rights = AccessRights.For(user, _ => null, db => db == "slashdb" ? '/' : '.');
        Assert.True(rights.Allows(Privilege.Read, "slashdb", "logs/2024/01"u8));
        Assert.False(rights.Allows(Privilege.Read, "defaultdb", "logs/2024/01"u8)); // "logs/**" is one literal segment with '.'
    }

    [Theory]
    [InlineData("ops", null)]
    [InlineData("Ops-team_2", null)]
    [InlineData("", "empty")]
    [InlineData("2ops", "start with a letter")]
    [InlineData("ops team", "contains ' '")]
    [InlineData("opérateurs", "contains 'é'")]
    public void Role_names_are_validated_with_clear_messages(string name, string? error)
    {
        string? message = RoleNames.Validate(name);
        if (error is null)
        {
            Assert.Null(message);
        }
        else
        {
            Assert.Contains(error, message, StringComparison.Ordinal);
            Assert.Contains(RoleNames.Rule, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Privileges_have_stable_names_and_numbers()
    {
        Assert.Equal(
            ["READ=1", "WRITE=2", "DELETE=3", "CREATE_USER=10", "DROP_USER=11", "ALTER_PASSWORD=12", "GRANT=13", "CREATE_ROLE=14", "DROP_ROLE=15", "CREATE_DATABASE=16", "LIST_USERS=17"],
            Privileges.All.Select(p => $"{p.Name()}={(int)p}"));
        Assert.True(Privileges.TryParse("alter-password", out var parsed));
        Assert.Equal(Privilege.AlterPassword, parsed);
        Assert.False(Privileges.TryParse("SUPERUSER", out _));
    }
}
