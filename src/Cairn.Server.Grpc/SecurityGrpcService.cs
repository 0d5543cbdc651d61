// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Engine;
using Cairn.Security;
using Grpc.Core;
using Wire = Cairn.Protocol.Security;
using WellKnown = Google.Protobuf.WellKnownTypes;

namespace Cairn.Server.Grpc;

/// <summary>
/// <c>cairn.security.SecurityService</c>: roles and key-path privileges over the engine. The same interceptor as
/// immudb's service authenticates each call and applies <see cref="MethodPermissions.SecurityRules"/>; the engine
/// checks the exact scope and persists every change in systemdb.
/// </summary>
public sealed class SecurityGrpcService(CairnEngine engine) : Wire.SecurityService.SecurityServiceBase
{
    private static readonly WellKnown.Empty Empty = new();

    /// <inheritdoc />
    public override async Task<WellKnown.Empty> CreateUser(Wire.CreateUserRequest request, ServerCallContext context)
    {
        await engine.Access.CreateUserWithoutAccessAsync(CallerInterceptor.Caller(context), request.User, request.Password, context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    /// <inheritdoc />
    public override async Task<WellKnown.Empty> DropUser(Wire.DropUserRequest request, ServerCallContext context)
    {
        await engine.Access.DropUserAsync(CallerInterceptor.Caller(context), request.User, context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    /// <inheritdoc />
    public override Task<Wire.KeySeparator> GetKeySeparator(Wire.KeySeparatorRequest request, ServerCallContext context)
    {
        char separator = engine.Access.KeySeparator(CallerInterceptor.Caller(context), request.Database);
        return Task.FromResult(new Wire.KeySeparator { Database = request.Database, Separator = separator.ToString() });
    }

    /// <inheritdoc />
    public override async Task<Wire.KeySeparator> SetKeySeparator(Wire.KeySeparatorRequest request, ServerCallContext context)
    {
        await engine.Access.SetKeySeparatorAsync(CallerInterceptor.Caller(context), request.Database, request.Separator, context.CancellationToken).ConfigureAwait(false);
        return new Wire.KeySeparator { Database = request.Database, Separator = request.Separator };
    }

    /// <inheritdoc />
    public override async Task<WellKnown.Empty> CreateRole(Wire.RoleRequest request, ServerCallContext context)
    {
        await engine.Access.CreateRoleAsync(CallerInterceptor.Caller(context), request.Role, context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    /// <inheritdoc />
    public override async Task<WellKnown.Empty> DropRole(Wire.RoleRequest request, ServerCallContext context)
    {
        await engine.Access.DropRoleAsync(CallerInterceptor.Caller(context), request.Role, context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    /// <inheritdoc />
    public override Task<Wire.RoleList> ListRoles(Wire.ListRolesRequest request, ServerCallContext context)
    {
        var caller = CallerInterceptor.Caller(context);
        var list = new Wire.RoleList();
        if (request.User.Length > 0)
        {
            foreach (string role in engine.Access.ListUserRoles(caller, request.User))
            {
                list.Roles.Add(new Wire.Role { Name = role });
            }

            return Task.FromResult(list);
        }

        foreach (var (role, members) in engine.Access.ListRoles(caller))
        {
            var proto = new Wire.Role { Name = role.Name, CreatedBy = role.CreatedBy, CreatedAtUnixSeconds = role.CreatedAt.ToUnixTimeSeconds() };
            proto.Grants.AddRange(role.Grants.Select(ToProto));
            proto.Members.AddRange(members);
            list.Roles.Add(proto);
        }

        return Task.FromResult(list);
    }

    /// <inheritdoc />
    public override async Task<WellKnown.Empty> GrantRole(Wire.RoleMembershipRequest request, ServerCallContext context)
    {
        await engine.Access.ChangeRoleMembershipAsync(CallerInterceptor.Caller(context), grant: true, request.Role, request.User, context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    /// <inheritdoc />
    public override async Task<WellKnown.Empty> RevokeRole(Wire.RoleMembershipRequest request, ServerCallContext context)
    {
        await engine.Access.ChangeRoleMembershipAsync(CallerInterceptor.Caller(context), grant: false, request.Role, request.User, context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    /// <inheritdoc />
    public override Task<WellKnown.Empty> Grant(Wire.GrantRequest request, ServerCallContext context) => ChangeGrantAsync(grant: true, request, context);

    /// <inheritdoc />
    public override Task<WellKnown.Empty> Revoke(Wire.GrantRequest request, ServerCallContext context) => ChangeGrantAsync(grant: false, request, context);

    /// <inheritdoc />
    public override Task<Wire.GrantList> ListGrants(Wire.ListGrantsRequest request, ServerCallContext context)
    {
        var grants = request.HolderCase switch
        {
            Wire.ListGrantsRequest.HolderOneofCase.User => engine.Access.ListGrants(CallerInterceptor.Caller(context), request.User, null, request.Effective),
            Wire.ListGrantsRequest.HolderOneofCase.Role => engine.Access.ListGrants(CallerInterceptor.Caller(context), null, request.Role, request.Effective),
            _ => throw ApiErrors.IllegalArguments("name either a user or a role"),
        };
        var list = new Wire.GrantList();
        list.Grants.AddRange(grants.Select(g => new Wire.GrantInfo { Grant = ToProto(g.Grant), Source = g.Source }));
        return Task.FromResult(list);
    }

    private async Task<WellKnown.Empty> ChangeGrantAsync(bool grant, Wire.GrantRequest request, ServerCallContext context)
    {
        var what = FromProto(request.Grant ?? throw ApiErrors.IllegalArguments("grant is required"));
        var (user, role) = request.GranteeCase switch
        {
            Wire.GrantRequest.GranteeOneofCase.User => (request.User, (string?)null),
            Wire.GrantRequest.GranteeOneofCase.Role => ((string?)null, request.Role),
            _ => throw ApiErrors.IllegalArguments("name either a user or a role"),
        };
        await engine.Access.ChangeGrantAsync(CallerInterceptor.Caller(context), grant, what, user, role, context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    private static Wire.Grant ToProto(Grant grant) => new()
    {
        Privilege = (Wire.Privilege)(int)grant.Privilege,
        Database = grant.Database,
        Pattern = grant.Privilege.IsData() ? grant.Pattern : string.Empty,
    };

    private static Grant FromProto(Wire.Grant grant)
    {
        int privilege = (int)grant.Privilege;
        if (!Privileges.IsDefined(privilege))
        {
            throw ApiErrors.IllegalArguments("unknown privilege; one of " + string.Join(", ", Privileges.All.Select(p => p.Name())));
        }

        string pattern = grant.Pattern.Length == 0 ? Security.Grant.AllKeys : grant.Pattern;
        return new Grant((Privilege)privilege, grant.Database, pattern);
    }
}
