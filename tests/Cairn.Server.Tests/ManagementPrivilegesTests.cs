// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using SecurityWire = Cairn.Protocol.Security;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>
/// The management privileges through immudb's own calls (CreateDatabase, CreateUser, ListUsers, ChangePassword) and
/// Cairn's (DropUser, key separators): granted, they allow exactly their scope; missing, the refusal names them.
/// </summary>
public sealed class ManagementPrivilegesTests : IAsyncLifetime
{
    private const string Password = "Mgmt!pass1";
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();
    private ServerProcess _server = null!;
    private Metadata _admin = null!;
    private SecurityWire.SecurityService.SecurityServiceClient _security = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync();
        _admin = await _server.LoginAsync();
        _security = new SecurityWire.SecurityService.SecurityServiceClient(_server.Channel);
        await _server.Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = "mgmta" }, _admin);
        await _server.Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = "mgmtb" }, _admin);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Create_database_needs_the_privilege_on_the_server_and_makes_the_creator_its_admin()
    {
        await NewUserAsync("creator");
        var creator = await _server.LoginAsync("creator", Password, database: "");
        await Refused(StatusCode.PermissionDenied, async () => await _server.Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = "creatordb" }, creator),
            "CreateDatabase requires the CREATE_DATABASE privilege on the server");
        await Refused(StatusCode.InvalidArgument, async () => await GrantAsync("creator", Privilege.CreateDatabase, "mgmta"), "can only be granted on the server");

        await GrantAsync("creator", Privilege.CreateDatabase, "*");
        var reply = await _server.Client.CreateDatabaseV2Async(new Wire.CreateDatabaseRequest { Name = "creatordb" }, creator);
        Assert.False(reply.AlreadyExisted);
        var inIt = await _server.LoginAsync("creator", Password, "creatordb");
        await _server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("made"), Value = B("by me") } } }, inIt);
        var listed = (await _server.Client.ListUsersAsync(Empty, _admin)).Users.Single(u => S(u.User_) == "creator");
        Assert.Contains(listed.Permissions, p => p.Database == "creatordb" && p.Permission_ == (uint)Permission.Admin);
    }

    [Fact]
    public async Task Create_user_with_a_permission_needs_create_user_and_grant_on_that_database()
    {
        await NewUserAsync("hr");
        await GrantAsync("hr", Privilege.CreateUser, "mgmta");
        var hr = await _server.LoginAsync("hr", Password, database: "");
        var request = new Wire.CreateUserRequest { User = B("hired"), Password = B(Password), Permission = (uint)Permission.Read, Database = "mgmta" };
        await Refused(StatusCode.PermissionDenied, async () => await _server.Client.CreateUserAsync(request, hr), "requires the CREATE_USER and GRANT privileges on it");

        await GrantAsync("hr", Privilege.Grant, "mgmta");
        await _server.Client.CreateUserAsync(request, hr);
        await Refused(StatusCode.PermissionDenied, async () => await _server.Client.CreateUserAsync(
            new Wire.CreateUserRequest { User = B("elsewhere"), Password = B(Password), Permission = (uint)Permission.Read, Database = "mgmtb" }, hr), "database 'mgmtb'");

        var hired = await _server.LoginAsync("hired", Password, "mgmta");
        await _server.Client.CountAllAsync(Empty, hired);
    }

    [Fact]
    public async Task List_users_shows_the_users_of_the_databases_the_privilege_covers()
    {
        await NewUserAsync("lister");
        await NewUserAsync("ina", ("mgmta", Permission.Read));
        await NewUserAsync("inb", ("mgmtb", Permission.Read));
        await NewUserAsync("keyed");
        await GrantAsync("keyed", Privilege.Read, "mgmta", "open.**");
        var lister = await _server.LoginAsync("lister", Password, database: "");
        Assert.Equal(["lister"], await ListAsync(lister));

        await GrantAsync("lister", Privilege.ListUsers, "mgmta");
        var seen = await ListAsync(lister);
        Assert.Contains("ina", seen);
        Assert.Contains("keyed", seen);
        Assert.Contains("lister", seen);
        Assert.DoesNotContain("inb", seen);

        await GrantAsync("lister", Privilege.ListUsers, "*");
        Assert.Contains("inb", await ListAsync(lister));
    }

    [Fact]
    public async Task Alter_password_covers_users_confined_to_its_databases_and_ends_their_sessions()
    {
        await NewUserAsync("keeper");
        await NewUserAsync("onlya", ("mgmta", Permission.Read));
        await NewUserAsync("both", ("mgmta", Permission.Read));
        await ChangePermissionAsync("both", "mgmtb", Permission.Read);
        var keeper = await _server.LoginAsync("keeper", Password, database: "");
        var change = new Wire.ChangePasswordRequest { User = B("onlya"), NewPassword = B("Chang3d!pw") };
        await Refused(StatusCode.PermissionDenied, async () => await _server.Client.ChangePasswordAsync(change, keeper), "requires the ALTER_PASSWORD privilege");

        await GrantAsync("keeper", Privilege.AlterPassword, "mgmta");
        var before = await _server.LoginAsync("onlya", Password, "mgmta");
        await _server.Client.ChangePasswordAsync(change, keeper);
        await Refused(StatusCode.Unauthenticated, async () => await _server.Client.CountAllAsync(Empty, before));
        await _server.LoginAsync("onlya", "Chang3d!pw", "mgmta");

        // "both" also reaches mgmtb, which keeper does not manage; the admin's password is only the admin's.
        await Refused(StatusCode.PermissionDenied, async () => await _server.Client.ChangePasswordAsync(
            new Wire.ChangePasswordRequest { User = B("both"), NewPassword = B("Chang3d!pw") }, keeper), "ALTER_PASSWORD");
        await GrantAsync("keeper", Privilege.AlterPassword, "*");
        await _server.Client.ChangePasswordAsync(new Wire.ChangePasswordRequest { User = B("both"), NewPassword = B("Chang3d!pw") }, keeper);
        await Refused(StatusCode.PermissionDenied, async () => await _server.Client.ChangePasswordAsync(
            new Wire.ChangePasswordRequest { User = B("immudb"), NewPassword = B("Chang3d!pw") }, keeper), "only 'immudb' can change its own password");
    }

    [Fact]
    public async Task Drop_user_ends_its_sessions_at_once_and_frees_its_name()
    {
        await NewUserAsync("dropper");
        await NewUserAsync("victim", ("mgmta", Permission.ReadWrite));
        await NewUserAsync("wider", ("mgmta", Permission.Read));
        await ChangePermissionAsync("wider", "mgmtb", Permission.Read);
        var dropper = await _server.LoginAsync("dropper", Password, database: "");
        await Refused(StatusCode.PermissionDenied, async () => await _security.DropUserAsync(new SecurityWire.DropUserRequest { User = "victim" }, dropper),
            "DropUser requires the DROP_USER privilege on the server or a database");

        await GrantAsync("dropper", Privilege.DropUser, "mgmta");
        var victim = await _server.LoginAsync("victim", Password, "mgmta");
        await _security.DropUserAsync(new SecurityWire.DropUserRequest { User = "victim" }, dropper);
        await Refused(StatusCode.Unauthenticated, async () => await _server.Client.CountAllAsync(Empty, victim));
        await Refused(StatusCode.Unauthenticated, async () => await _server.LoginAsync("victim", Password, "mgmta"));
        Assert.DoesNotContain("victim", await ListAsync(_admin));
        await Refused(StatusCode.NotFound, async () => await _security.DropUserAsync(new SecurityWire.DropUserRequest { User = "victim" }, dropper), "user not found");

        await Refused(StatusCode.PermissionDenied, async () => await _security.DropUserAsync(new SecurityWire.DropUserRequest { User = "wider" }, dropper), "DROP_USER");
        await Refused(StatusCode.PermissionDenied, async () => await _security.DropUserAsync(new SecurityWire.DropUserRequest { User = "dropper" }, dropper), "dropping yourself");
        await Refused(StatusCode.PermissionDenied, async () => await _security.DropUserAsync(new SecurityWire.DropUserRequest { User = "immudb" }, _admin), "cannot be dropped");

        // The name can be used again, by a user that starts with nothing of the old one's.
        await NewUserAsync("victim");
        var again = await _server.LoginAsync("victim", Password, database: "");
        await Refused(StatusCode.PermissionDenied, async () => await _server.Client.UseDatabaseAsync(new Wire.Database { DatabaseName = "mgmta" }, again));
    }

    [Fact]
    public async Task Key_separator_is_per_database_and_decides_what_patterns_cover()
    {
        await NewUserAsync("sep");
        var sep = await _server.LoginAsync("sep", Password, database: "");
        await Refused(StatusCode.PermissionDenied, async () => await _security.GetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = "mgmtb" }, sep), "no access to database 'mgmtb'");
        Assert.Equal(".", (await _security.GetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = "mgmtb" }, _admin)).Separator);
        await Refused(StatusCode.PermissionDenied, async () => await _security.SetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = "mgmtb", Separator = "/" }, sep),
            "SetKeySeparator requires the GRANT privilege");
        foreach (string bad in new[] { "*", "ab", "", " " })
        {
            await Refused(StatusCode.InvalidArgument, async () => await _security.SetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = "mgmtb", Separator = bad }, _admin),
                "one printable ASCII character other than '*'");
        }

        await Refused(StatusCode.NotFound, async () => await _security.SetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = "systemdb", Separator = "/" }, _admin));

        await _security.SetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = "mgmtb", Separator = "/" }, _admin);
        var adminOnB = await _server.LoginAsync(database: "mgmtb");
        await _server.Client.SetAsync(new Wire.SetRequest
        {
            KVs = { new Wire.KeyValue { Key = B("plant/a/temp"), Value = B("20") }, new Wire.KeyValue { Key = B("plant/a/hum"), Value = B("40") }, new Wire.KeyValue { Key = B("plant.a.temp"), Value = B("21") } },
        }, adminOnB);
        await GrantAsync("sep", Privilege.Read, "mgmtb", "plant/*/temp");
        var reader = await _server.LoginAsync("sep", Password, "mgmtb");
        Assert.Equal("20", S((await _server.Client.GetAsync(new Wire.KeyRequest { Key = B("plant/a/temp") }, reader)).Value));
        await Refused(StatusCode.PermissionDenied, async () => await _server.Client.GetAsync(new Wire.KeyRequest { Key = B("plant/a/hum") }, reader), "READ on key 'plant/a/hum'");
        await Refused(StatusCode.PermissionDenied, async () => await _server.Client.GetAsync(new Wire.KeyRequest { Key = B("plant.a.temp") }, reader), "READ on key 'plant.a.temp'");
        Assert.Equal("/", (await _security.GetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = "mgmtb" }, reader)).Separator);

        // Changing it under a pattern would silently change what the grant covers.
        await Refused(StatusCode.FailedPrecondition, async () => await _security.SetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = "mgmtb", Separator = "." }, _admin),
            "while grants there use key patterns (user sep)");
    }

    [Fact]
    public async Task Dropped_users_and_separators_survive_a_restart()
    {
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "data");
        await using (var server = await ServerProcess.StartAsync(data))
        {
            var admin = await server.LoginAsync();
            var security = new SecurityWire.SecurityService.SecurityServiceClient(server.Channel);
            await server.Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("gone"), Password = B(Password), Permission = (uint)Permission.Read, Database = "defaultdb" }, admin);
            await server.Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("stays"), Password = B(Password), Permission = (uint)Permission.Read, Database = "defaultdb" }, admin);
            await security.DropUserAsync(new SecurityWire.DropUserRequest { User = "gone" }, admin);
            await security.SetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = "defaultdb", Separator = ":" }, admin);
            await server.TerminateAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(data);
        var again = await restarted.LoginAsync();
        var users = (await restarted.Client.ListUsersAsync(Empty, again)).Users.Select(u => S(u.User_)).ToList();
        Assert.Contains("stays", users);
        Assert.DoesNotContain("gone", users);
        await Refused(StatusCode.Unauthenticated, async () => await restarted.LoginAsync("gone", Password));
        var securityAgain = new SecurityWire.SecurityService.SecurityServiceClient(restarted.Channel);
        Assert.Equal(":", (await securityAgain.GetKeySeparatorAsync(new SecurityWire.KeySeparatorRequest { Database = "defaultdb" }, again)).Separator);
    }

    private async Task NewUserAsync(string name, (string Database, Permission Permission)? permission = null)
    {
        if (permission is { } p)
        {
            await _server.Client.CreateUserAsync(new Wire.CreateUserRequest { User = B(name), Password = B(Password), Permission = (uint)p.Permission, Database = p.Database }, _admin);
        }
        else
        {
            await _security.CreateUserAsync(new SecurityWire.CreateUserRequest { User = name, Password = Password }, _admin);
        }
    }

    private async Task ChangePermissionAsync(string user, string database, Permission permission) =>
        await _server.Client.ChangePermissionAsync(new Wire.ChangePermissionRequest { Action = Wire.PermissionAction.Grant, Username = user, Database = database, Permission = (uint)permission }, _admin);

    private async Task GrantAsync(string user, Privilege privilege, string database, string pattern = "") =>
        await _security.GrantAsync(new SecurityWire.GrantRequest
        {
            Grant = new SecurityWire.Grant { Privilege = (SecurityWire.Privilege)(int)privilege, Database = database, Pattern = pattern },
            User = user,
        }, _admin);

    private async Task<List<string>> ListAsync(Metadata caller) =>
        [.. (await _server.Client.ListUsersAsync(Empty, caller)).Users.Select(u => S(u.User_))];
}
