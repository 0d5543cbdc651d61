// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>Users, passwords, permissions, deactivation, tokens and sessions, end to end.</summary>
public sealed class UsersAndSessionsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    private Wire.ImmuService.ImmuServiceClient Client => shared.Server.Client;

    [Theory]
    [InlineData("Sh0rt!")]
    [InlineData("alllower1!")]
    [InlineData("ALLUPPER1!")]
    [InlineData("NoDigits!!")]
    [InlineData("NoSymbol12")]
    [InlineData("Has Space1!")]
    [InlineData("Way2Long!Way2Long!Way2Long!Way2Lo")]
    public async Task Weak_passwords_are_refused_with_the_rule(string password)
    {
        var e = await Refused(StatusCode.InvalidArgument, async () => await Client.CreateUserAsync(
            new Wire.CreateUserRequest { User = B("weak_" + Math.Abs(password.GetHashCode(StringComparison.Ordinal))), Password = B(password), Permission = 1, Database = "defaultdb" }, shared.Admin));
        Assert.Equal(PasswordPolicy.Rule, e.Status.Detail);
    }

    [Fact]
    public async Task Users_are_created_listed_changed_and_deactivated()
    {
        var admin = shared.Admin;
        await Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("alice"), Password = B("Al1ce!pass"), Permission = 1, Database = "defaultdb" }, admin);
        await Refused(StatusCode.AlreadyExists, async () => await Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("alice"), Password = B("Al1ce!pass"), Permission = 1, Database = "defaultdb" }, admin), "user already exists");
        await Refused(StatusCode.InvalidArgument, async () => await Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("bad name"), Password = B("Al1ce!pass"), Permission = 1, Database = "defaultdb" }, admin));
        await Refused(StatusCode.InvalidArgument, async () => await Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("root2"), Password = B("Al1ce!pass"), Permission = 255, Database = "defaultdb" }, admin), "can not create another system admin");
        await Refused(StatusCode.InvalidArgument, async () => await Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("odd"), Password = B("Al1ce!pass"), Permission = 7, Database = "defaultdb" }, admin), "unrecognized permission");

        var all = await Client.ListUsersAsync(Empty, admin);
        var alice = all.Users.Single(u => S(u.User_) == "alice");
        Assert.True(alice.Active);
        Assert.Equal("immudb", alice.Createdby);
        Assert.Equal([("defaultdb", 1u)], alice.Permissions.Select(p => (p.Database, p.Permission_)));
        Assert.Contains(all.Users, u => S(u.User_) == "immudb" && u.Permissions.Any(p => p.Permission_ == 255));

        // Alice reads but may not write; she sees only herself.
        var aliceToken = await shared.Server.LoginAsync("alice", "Al1ce!pass");
        Assert.Equal(["alice"], (await Client.ListUsersAsync(Empty, aliceToken)).Users.Select(u => S(u.User_)));
        await Refused(StatusCode.PermissionDenied, async () => await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("a"), Value = B("b") } } }, aliceToken), "requires the readwrite permission");

        // A grant applies at once to the token she already holds; so does a revoke.
        await Client.ChangePermissionAsync(new Wire.ChangePermissionRequest { Action = Wire.PermissionAction.Grant, Username = "alice", Database = "defaultdb", Permission = 2 }, admin);
        await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("alice:k"), Value = B("v") } } }, aliceToken);
        await Client.ChangePermissionAsync(new Wire.ChangePermissionRequest { Action = Wire.PermissionAction.Revoke, Username = "alice", Database = "defaultdb" }, admin);
        await Refused(StatusCode.PermissionDenied, async () => await Client.GetAsync(new Wire.KeyRequest { Key = B("alice:k") }, aliceToken));
        await Client.ChangePermissionAsync(new Wire.ChangePermissionRequest { Action = Wire.PermissionAction.Grant, Username = "alice", Database = "defaultdb", Permission = 1 }, admin);
        await Refused(StatusCode.PermissionDenied, async () => await Client.ChangePermissionAsync(new Wire.ChangePermissionRequest { Action = Wire.PermissionAction.Grant, Username = "alice", Database = "defaultdb", Permission = 2 }, aliceToken));

        // Password change: the old password is checked, the policy applies, old tokens end.
        await Refused(StatusCode.PermissionDenied, async () => await Client.ChangePasswordAsync(new Wire.ChangePasswordRequest { User = B("alice"), OldPassword = B("wrong"), NewPassword = B("N3w!alice") }, aliceToken), "old password is incorrect");
        await Refused(StatusCode.InvalidArgument, async () => await Client.ChangePasswordAsync(new Wire.ChangePasswordRequest { User = B("alice"), OldPassword = B("Al1ce!pass"), NewPassword = B("weak") }, aliceToken), "password must have between 8 and 32");
        await Client.ChangePasswordAsync(new Wire.ChangePasswordRequest { User = B("alice"), OldPassword = B("Al1ce!pass"), NewPassword = B("N3w!alice") }, aliceToken);
        await Refused(StatusCode.Unauthenticated, async () => await Client.GetAsync(new Wire.KeyRequest { Key = B("alice:k") }, aliceToken), "not logged in");
        await Refused(StatusCode.Unauthenticated, async () => await shared.Server.LoginAsync("alice", "Al1ce!pass"), "invalid user name or password");
        var renewed = await shared.Server.LoginAsync("alice", "N3w!alice");

        // Deactivation ends her tokens and sessions and stops her logging in; reactivation restores login.
        var session = await Client.OpenSessionAsync(new Wire.OpenSessionRequest { Username = B("alice"), Password = B("N3w!alice"), DatabaseName = "defaultdb" });
        await Client.SetActiveUserAsync(new Wire.SetActiveUserRequest { Username = "alice", Active = false }, admin);
        await Refused(StatusCode.Unauthenticated, async () => await Client.GetAsync(new Wire.KeyRequest { Key = B("alice:k") }, renewed), "not logged in");
        await Refused(StatusCode.Unauthenticated, async () => await Client.KeepAliveAsync(Empty, new Metadata { { "sessionid", session.SessionID } }), "no session found");
        await Refused(StatusCode.PermissionDenied, async () => await shared.Server.LoginAsync("alice", "N3w!alice"), "user is not active");
        await Client.SetActiveUserAsync(new Wire.SetActiveUserRequest { Username = "alice", Active = true }, admin);
        await shared.Server.LoginAsync("alice", "N3w!alice");
    }

    [Fact]
    public async Task The_admin_cannot_be_deactivated_or_lose_sysadmin()
    {
        var admin = shared.Admin;
        await Refused(StatusCode.PermissionDenied, async () => await Client.SetActiveUserAsync(new Wire.SetActiveUserRequest { Username = "immudb", Active = false }, admin));
        await Refused(StatusCode.PermissionDenied, async () => await Client.ChangePermissionAsync(new Wire.ChangePermissionRequest { Action = Wire.PermissionAction.Revoke, Username = "immudb", Database = "defaultdb" }, admin));
        await Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("boss"), Password = B("B0ss!pass"), Permission = 254, Database = "defaultdb" }, admin);
        var boss = await shared.Server.LoginAsync("boss", "B0ss!pass");
        await Refused(StatusCode.PermissionDenied, async () => await Client.SetActiveUserAsync(new Wire.SetActiveUserRequest { Username = "immudb", Active = false }, boss));
        await Refused(StatusCode.PermissionDenied, async () => await Client.ChangePermissionAsync(new Wire.ChangePermissionRequest { Action = Wire.PermissionAction.Revoke, Username = "immudb", Database = "defaultdb" }, boss));
        await Refused(StatusCode.PermissionDenied, async () => await Client.ChangePasswordAsync(new Wire.ChangePasswordRequest { User = B("immudb"), OldPassword = B(ServerProcess.AdminPassword), NewPassword = B("Hij4ck!ed") }, boss));
        await Refused(StatusCode.PermissionDenied, async () => await Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = "bossdb" }, boss), "requires the CREATE_DATABASE privilege on the server");
        Assert.Contains((await Client.ListUsersAsync(Empty, admin)).Users, u => S(u.User_) == "immudb" && u.Active && u.Permissions.Any(p => p.Permission_ == 255));
    }

    [Fact]
    public async Task A_database_the_user_may_not_use_is_refused_without_telling_whether_it_exists()
    {
        var admin = shared.Admin;
        await Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = "secretdb" }, admin);
        await Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("outsider"), Password = B("0utSide!r"), Permission = 2, Database = "defaultdb" }, admin);
        var outsider = await shared.Server.LoginAsync("outsider", "0utSide!r");
        var existing = await Refused(StatusCode.PermissionDenied, async () => await Client.UseDatabaseAsync(new Wire.Database { DatabaseName = "secretdb" }, outsider));
        var missing = await Refused(StatusCode.PermissionDenied, async () => await Client.UseDatabaseAsync(new Wire.Database { DatabaseName = "nosuchdb" }, outsider));
        Assert.Equal(existing.Status.Detail, missing.Status.Detail);
        var sessionExisting = await Refused(StatusCode.PermissionDenied, async () => await Client.OpenSessionAsync(new Wire.OpenSessionRequest { Username = B("outsider"), Password = B("0utSide!r"), DatabaseName = "secretdb" }));
        var sessionMissing = await Refused(StatusCode.PermissionDenied, async () => await Client.OpenSessionAsync(new Wire.OpenSessionRequest { Username = B("outsider"), Password = B("0utSide!r"), DatabaseName = "nosuchdb" }));
        Assert.Equal(sessionExisting.Status.Detail, sessionMissing.Status.Detail);
        Assert.Equal(["defaultdb"], (await Client.DatabaseListAsync(Empty, outsider)).Databases.Select(d => d.DatabaseName));
        await Refused(StatusCode.PermissionDenied, async () => await Client.UseDatabaseAsync(new Wire.Database { DatabaseName = "systemdb" }, outsider));
    }

    [Fact]
    public async Task Logout_ends_the_users_tokens()
    {
        await Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("leaver"), Password = B("L3aver!pw"), Permission = 1, Database = "defaultdb" }, shared.Admin);
        var first = await shared.Server.LoginAsync("leaver", "L3aver!pw");
        var second = await shared.Server.LoginAsync("leaver", "L3aver!pw");
        await Client.LogoutAsync(Empty, first);
        await Refused(StatusCode.Unauthenticated, async () => await Client.CurrentStateAsync(Empty, second), "not logged in");
        var again = await shared.Server.LoginAsync("leaver", "L3aver!pw");
        Assert.Equal("defaultdb", (await Client.CurrentStateAsync(Empty, again)).Db);
    }
}

/// <summary>Session expiry needs its own server with a short idle timeout.</summary>
public sealed class SessionExpiryTests
{
    [Fact]
    public async Task Idle_sessions_expire_and_keep_alive_renews_them()
    {
        await using var server = await ServerProcess.StartAsync(arguments: ["--session-timeout", "4s"]);
        var empty = new Google.Protobuf.WellKnownTypes.Empty();
        var open = new Wire.OpenSessionRequest { Username = B("immudb"), Password = B(ServerProcess.AdminPassword), DatabaseName = "defaultdb" };
        var kept = new Metadata { { "sessionid", (await server.Client.OpenSessionAsync(open)).SessionID } };
        var idle = new Metadata { { "sessionid", (await server.Client.OpenSessionAsync(open)).SessionID } };
        // Generous margins: a loaded machine can delay a keep-alive by a second or more.
        for (int i = 0; i < 6; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            await server.Client.KeepAliveAsync(empty, kept);
        }

        await server.Client.CurrentStateAsync(empty, kept);
        await Refused(StatusCode.Unauthenticated, async () => await server.Client.CurrentStateAsync(empty, idle), "no session found");
    }
}
