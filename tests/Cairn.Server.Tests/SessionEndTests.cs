// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>Every way a user's tokens and sessions end: password change, deactivation, token lifetime.</summary>
public sealed class SessionEndTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    private Wire.ImmuService.ImmuServiceClient Client => shared.Server.Client;

    [Fact]
    public async Task A_password_change_ends_every_session_and_token_of_the_user_the_callers_own_included()
    {
        await CreateAsync("pia", "P1a!passw");
        await CreateAsync("quinn", "Qu1nn!pass");
        var first = await OpenSessionAsync("pia", "P1a!passw");
        var second = await OpenSessionAsync("pia", "P1a!passw");
        var token = await shared.Server.LoginAsync("pia", "P1a!passw");
        var bystander = await OpenSessionAsync("quinn", "Qu1nn!pass");

        await Client.ChangePasswordAsync(new Wire.ChangePasswordRequest { User = B("pia"), OldPassword = B("P1a!passw"), NewPassword = B("P1a!newpw") }, first);
        await Refused(StatusCode.Unauthenticated, async () => await Client.KeepAliveAsync(Empty, first), "no session found");
        await Refused(StatusCode.Unauthenticated, async () => await Client.KeepAliveAsync(Empty, second), "no session found");
        await Refused(StatusCode.Unauthenticated, async () => await Client.CurrentStateAsync(Empty, token), "not logged in");
        await Client.KeepAliveAsync(Empty, bystander);

        // An administrator changing it ends them too; the new password works.
        var renewed = await OpenSessionAsync("pia", "P1a!newpw");
        await Client.ChangePasswordAsync(new Wire.ChangePasswordRequest { User = B("pia"), NewPassword = B("P1a!third") }, shared.Admin);
        await Refused(StatusCode.Unauthenticated, async () => await Client.KeepAliveAsync(Empty, renewed), "no session found");
        await Client.KeepAliveAsync(Empty, await OpenSessionAsync("pia", "P1a!third"));
        await Client.KeepAliveAsync(Empty, bystander);
    }

    [Fact]
    public async Task Deactivation_ends_every_session_and_token_of_the_user()
    {
        await CreateAsync("rita", "R1ta!passw");
        var session = await OpenSessionAsync("rita", "R1ta!passw");
        var token = await shared.Server.LoginAsync("rita", "R1ta!passw");
        await Client.SetActiveUserAsync(new Wire.SetActiveUserRequest { Username = "rita", Active = false }, shared.Admin);
        await Refused(StatusCode.Unauthenticated, async () => await Client.KeepAliveAsync(Empty, session), "no session found");
        await Refused(StatusCode.Unauthenticated, async () => await Client.CurrentStateAsync(Empty, token), "not logged in");
        await Refused(StatusCode.PermissionDenied, async () => await OpenSessionAsync("rita", "R1ta!passw"), "user is not active");

        // Reactivation does not bring the old ones back.
        await Client.SetActiveUserAsync(new Wire.SetActiveUserRequest { Username = "rita", Active = true }, shared.Admin);
        await Refused(StatusCode.Unauthenticated, async () => await Client.KeepAliveAsync(Empty, session), "no session found");
        await Refused(StatusCode.Unauthenticated, async () => await Client.CurrentStateAsync(Empty, token), "not logged in");
    }

    private async Task CreateAsync(string user, string password) =>
        await Client.CreateUserAsync(new Wire.CreateUserRequest { User = B(user), Password = B(password), Permission = 2, Database = "defaultdb" }, shared.Admin);

    private async Task<Metadata> OpenSessionAsync(string user, string password)
    {
        var open = await Client.OpenSessionAsync(new Wire.OpenSessionRequest { Username = B(user), Password = B(password), DatabaseName = "defaultdb" });
        return new Metadata { { "sessionid", open.SessionID } };
    }
}

/// <summary>Token lifetime needs its own server with a short one.</summary>
public sealed class TokenExpiryTests
{
    [Fact]
    public async Task Tokens_expire_after_the_token_lifetime()
    {
        await using var server = await ServerProcess.StartAsync(arguments: ["--token-lifetime", "2s"]);
        var empty = new Google.Protobuf.WellKnownTypes.Empty();
        var token = await server.LoginAsync();
        await server.Client.CurrentStateAsync(empty, token);
        await Task.Delay(TimeSpan.FromSeconds(3.1));
        await Refused(StatusCode.Unauthenticated, async () => await server.Client.CurrentStateAsync(empty, token), "token has expired");
        Assert.Contains("token-lifetime = 2s", server.Output, StringComparison.Ordinal);
    }
}
