// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;
using Cairn.Server.Grpc;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;
using SecurityWire = Cairn.Protocol.Security;

namespace Cairn.Server.Tests;

/// <summary>
/// Walks the table of method permissions: every method of the service has a rule, every rule refuses a caller
/// one step below it with PermissionDenied naming the permission needed, and lets a caller at it through.
/// </summary>
public sealed class PermissionTableTests : IAsyncLifetime
{
    private const string Database = "permdb";
    private const string Password = "Us3r!pass";
    private readonly Dictionary<string, Metadata> _tokens = [];
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync();
        var admin = await _server.LoginAsync();
        await _server.Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = Database }, admin);
        foreach (var (user, permission) in new[] { ("reader", Permission.Read), ("writer", Permission.ReadWrite), ("dbadmin", Permission.Admin), ("revoked", Permission.Read) })
        {
            await _server.Client.CreateUserAsync(new Wire.CreateUserRequest { User = B(user), Password = B(Password), Permission = (uint)permission, Database = Database }, admin);
        }
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Every_method_of_the_service_has_exactly_one_rule()
    {
        var served = Wire.ImmuService.Descriptor.Methods.Select(m => m.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(served, MethodPermissions.Rules.Keys.Order(StringComparer.Ordinal).ToList());
        var security = SecurityWire.SecurityService.Descriptor.Methods.Select(m => m.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(security, MethodPermissions.SecurityRules.Keys.Order(StringComparer.Ordinal).ToList());
        Assert.Equal(MethodPermissions.SecurityService, SecurityWire.SecurityService.Descriptor.FullName);
        Assert.Equal(MethodPermissions.ImmuService, Wire.ImmuService.Descriptor.FullName);
        Assert.Same(MethodPermissions.SecurityRules["CreateUser"], MethodPermissions.Find("/cairn.security.SecurityService/CreateUser"));
        Assert.Same(MethodPermissions.Rules["CreateUser"], MethodPermissions.Find("/immudb.schema.ImmuService/CreateUser"));
        Assert.Null(MethodPermissions.Find("/other.Service/Get"));
    }

    [Fact]
    public async Task Each_security_method_needs_a_login_and_its_privilege()
    {
        foreach (var method in SecurityWire.SecurityService.Descriptor.Methods)
        {
            var rule = MethodPermissions.SecurityRules[method.Name];
            var anonymous = await Call(method, headers: null, MethodPermissions.SecurityService);
            Assert.True(anonymous is { StatusCode: StatusCode.Unauthenticated }, $"{method.Name} without login: {anonymous?.Status}");

            if (rule.Kind == AccessKind.Privileged)
            {
                // A reader of permdb holds no management privilege at all.
                var refused = await Call(method, await Token("reader"), MethodPermissions.SecurityService);
                Assert.True(refused is { StatusCode: StatusCode.PermissionDenied }, $"{method.Name} without {rule.Privilege}: {refused?.Status}");
                Assert.Contains($"{method.Name} requires the {rule.Privilege!.Value.Name()} privilege", refused!.Status.Detail, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(AccessKind.LoggedIn, rule.Kind);
            }

            // The admin passes the table (the empty request may still be refused as invalid).
            var allowed = await Call(method, await Token("immudb"), MethodPermissions.SecurityService);
            Assert.False(allowed is { StatusCode: StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.Unimplemented }, $"{method.Name} as sysadmin: {allowed?.Status}");
        }
    }

    [Fact]
    public async Task Each_method_is_refused_below_its_permission_and_allowed_at_it()
    {
        // A token selected on permdb whose read permission is then revoked: "no permission" on the selected database.
        var revoked = await Token("revoked");
        await _server.Client.ChangePermissionAsync(new Wire.ChangePermissionRequest { Action = Wire.PermissionAction.Revoke, Username = "revoked", Database = Database }, await Token("immudb"));

        var checkedMethods = new List<string>();
        foreach (var method in Wire.ImmuService.Descriptor.Methods)
        {
            var rule = MethodPermissions.Rules[method.Name];
            var (below, at) = rule.Kind switch
            {
                AccessKind.Anonymous => ((Metadata?)null, (string?)null),
                AccessKind.LoggedIn => (null, "reader"),
                AccessKind.UserAdmin => (await Token("writer"), "dbadmin"),
                AccessKind.SysAdmin => (await Token("dbadmin"), "immudb"),

                // An admin permission gives the management privileges of its database; the server's need a sysadmin.
                AccessKind.Privileged => (await Token("writer"), rule.Privilege!.Value.IsServerWide() ? "immudb" : "dbadmin"),
                _ => rule.Minimum switch
                {
                    Permission.Read => (revoked, "reader"),
                    Permission.ReadWrite => (await Token("reader"), "writer"),
                    Permission.Admin => (await Token("writer"), "dbadmin"),
                    _ => throw new InvalidOperationException($"no users for {rule.Minimum}"),
                },
            };

            if (rule.Kind == AccessKind.Anonymous)
            {
                var anonymous = await Call(method, headers: null);
                Assert.True(anonymous is null || (anonymous.StatusCode != StatusCode.PermissionDenied && anonymous.Status.Detail != "not logged in"),
                    $"{method.Name} must need no login: {anonymous?.Status}");
                checkedMethods.Add(method.Name);
                continue;
            }

            var refused = await Call(method, below);
            Assert.True(refused is not null, $"{method.Name} must be refused below {rule.Required.Name()}");
            if (below is null)
            {
                Assert.True(StatusCode.Unauthenticated == refused!.StatusCode, $"{method.Name} without login: {refused.Status}");
                Assert.Equal("not logged in", refused.Status.Detail);
            }
            else
            {
                Assert.True(StatusCode.PermissionDenied == refused!.StatusCode, $"{method.Name} below {rule.Required.Name()}: {refused.Status}");
                string needed = rule.Kind == AccessKind.Privileged ? $"{rule.Privilege!.Value.Name()} privilege" : $"{rule.Required.Name()} permission";
                Assert.Contains($"{method.Name} requires the {needed}", refused.Status.Detail, StringComparison.Ordinal);
            }

            var allowed = await Call(method, await Token(at!));
            Assert.False(
                allowed is { StatusCode: StatusCode.PermissionDenied } && allowed.Status.Detail.Contains($"{method.Name} requires", StringComparison.Ordinal),
                $"{method.Name} must be allowed at {rule.Required.Name()}: {allowed?.Status}");
            Assert.False(allowed is { StatusCode: StatusCode.Unauthenticated, Status.Detail: "not logged in" }, $"{method.Name}: {allowed?.Status}");
            if (method.Name is "Logout")
            {
                _tokens.Remove(at!);
            }

            checkedMethods.Add(method.Name);
        }

        Assert.Equal(MethodPermissions.Rules.Count, checkedMethods.Count);
    }

    // Calls a method with its empty request; returns the refusal, or null when it succeeded.
    private async Task<RpcException?> Call(Google.Protobuf.Reflection.MethodDescriptor method, Metadata? headers, string service = MethodPermissions.ImmuService)
    {
        var raw = new Method<byte[], byte[]>(
            method.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary,
            service,
            method.Name,
            Marshallers.Create<byte[]>(b => b, b => b),
            Marshallers.Create<byte[]>(b => b, b => b));
        var invoker = _server.Channel.CreateCallInvoker();
        try
        {
            if (method.IsServerStreaming)
            {
                using var stream = invoker.AsyncServerStreamingCall(raw, null, new CallOptions(headers), []);
                while (await stream.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }
            else
            {
                await invoker.AsyncUnaryCall(raw, null, new CallOptions(headers), []);
            }

            return null;
        }
        catch (RpcException e)
        {
            return e;
        }
    }

    private async Task<Metadata> Token(string user)
    {
        if (!_tokens.TryGetValue(user, out var token))
        {
            token = await _server.LoginAsync(user, user == "immudb" ? ServerProcess.AdminPassword : Password, user == "immudb" ? "defaultdb" : Database);
            _tokens[user] = token;
        }

        return token;
    }
}
