// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using SecurityWire = Cairn.Protocol.Security;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>Roles, memberships and grants survive a restart (user records format 2, role records); dropped roles stay dropped.</summary>
public sealed class RolePersistenceTests
{
    private const string Password = "Pers1st!pw";

    [Fact]
    public async Task Roles_and_grants_are_kept_in_systemdb_across_restarts()
    {
        using var folder = new TempFolder();
        string directory = Path.Combine(folder.Path, "data");
        await using (var server = await ServerProcess.StartAsync(directory))
        {
            var admin = await server.LoginAsync();
            var security = new SecurityWire.SecurityService.SecurityServiceClient(server.Channel);
            await server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("plant.a.temp"), Value = B("20") }, new Wire.KeyValue { Key = B("plant.a.hum"), Value = B("40") } } }, admin);
            await security.CreateUserAsync(new SecurityWire.CreateUserRequest { User = "kept", Password = Password }, admin);
            await security.CreateRoleAsync(new SecurityWire.RoleRequest { Role = "temps" }, admin);
            await security.CreateRoleAsync(new SecurityWire.RoleRequest { Role = "gone" }, admin);
            await security.GrantAsync(new SecurityWire.GrantRequest { Grant = Grant(Privilege.Read, "plant.*.temp"), Role = "temps" }, admin);
            await security.GrantAsync(new SecurityWire.GrantRequest { Grant = Grant(Privilege.Write, "plant.**"), User = "kept" }, admin);
            await security.GrantRoleAsync(new SecurityWire.RoleMembershipRequest { Role = "temps", User = "kept" }, admin);
            await security.GrantRoleAsync(new SecurityWire.RoleMembershipRequest { Role = "gone", User = "kept" }, admin);
            await security.DropRoleAsync(new SecurityWire.RoleRequest { Role = "gone" }, admin);
            await server.TerminateAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(directory);
        var again = await restarted.LoginAsync();
        var securityAgain = new SecurityWire.SecurityService.SecurityServiceClient(restarted.Channel);
        Assert.Equal(["temps"], (await securityAgain.ListRolesAsync(new SecurityWire.ListRolesRequest(), again)).Roles.Select(r => r.Name));
        Assert.Equal(["temps"], (await securityAgain.ListRolesAsync(new SecurityWire.ListRolesRequest { User = "kept" }, again)).Roles.Select(r => r.Name));

        var user = await restarted.LoginAsync("kept", Password);
        await restarted.Client.GetAsync(new Wire.KeyRequest { Key = B("plant.a.temp") }, user);
        await restarted.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("plant.b.temp"), Value = B("19") } } }, user);
        await Refused(StatusCode.PermissionDenied, async () => await restarted.Client.GetAsync(new Wire.KeyRequest { Key = B("plant.a.hum") }, user), "READ on key 'plant.a.hum'");
    }

    private static SecurityWire.Grant Grant(Privilege privilege, string pattern) =>
        new() { Privilege = (SecurityWire.Privilege)(int)privilege, Database = "defaultdb", Pattern = pattern };
}
