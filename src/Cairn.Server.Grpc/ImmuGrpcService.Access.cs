// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using System.Text;
using Cairn.Security;
using Google.Protobuf;
using Grpc.Core;
using Wire = Cairn.Protocol.Immudb;
using WellKnown = Google.Protobuf.WellKnownTypes;

namespace Cairn.Server.Grpc;

/// <summary>Logins, sessions and user administration.</summary>
public sealed partial class ImmuGrpcService
{
    /// <inheritdoc />
    public override Task<Wire.LoginResponse> Login(Wire.LoginRequest request, ServerCallContext context)
    {
        string? address = ClientAddresses.FromPeer(context.Peer);
        var (token, warning) = CallerInterceptor.CertificateUser(context) is { } certificateUser
            ? engine.Access.LoginWithCertificate(Utf8(request.User), Utf8(request.Password), certificateUser, address)
            : engine.Access.Login(Utf8(request.User), Utf8(request.Password), address);
        return Task.FromResult(new Wire.LoginResponse
        {
            Token = token,
            Warning = warning is null ? ByteString.Empty : ByteString.CopyFromUtf8(warning),
        });
    }

    /// <inheritdoc />
    public override Task<WellKnown.Empty> Logout(WellKnown.Empty request, ServerCallContext context)
    {
        engine.Access.Logout(CallerInterceptor.Caller(context));
        return Task.FromResult(Empty);
    }

    /// <inheritdoc />
    public override Task<Wire.OpenSessionResponse> OpenSession(Wire.OpenSessionRequest request, ServerCallContext context)
    {
        string? address = ClientAddresses.FromPeer(context.Peer);
        var session = CallerInterceptor.CertificateUser(context) is { } certificateUser
            ? engine.Access.OpenSessionWithCertificate(Utf8(request.Username), Utf8(request.Password), request.DatabaseName, certificateUser, address)
            : engine.Access.OpenSession(Utf8(request.Username), Utf8(request.Password), request.DatabaseName, address);
        return Task.FromResult(new Wire.OpenSessionResponse { SessionID = session.Id, ServerUUID = engine.Identity });
    }

    /// <inheritdoc />
    public override Task<WellKnown.Empty> CloseSession(WellKnown.Empty request, ServerCallContext context)
    {
        engine.Access.CloseSession(CallerInterceptor.Caller(context));
        return Task.FromResult(Empty);
    }

    /// <inheritdoc />
    /// <remarks>Authenticating the call already renewed the session.</remarks>
    public override Task<WellKnown.Empty> KeepAlive(WellKnown.Empty request, ServerCallContext context) => Task.FromResult(Empty);

    /// <inheritdoc />
    public override Task<Wire.UserList> ListUsers(WellKnown.Empty request, ServerCallContext context)
    {
        var list = new Wire.UserList();
        foreach (var user in engine.Access.ListUsers(CallerInterceptor.Caller(context)))
        {
            var proto = new Wire.User
            {
                User_ = ByteString.CopyFromUtf8(user.Name),
                Createdby = user.CreatedBy,
                Createdat = user.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fffffff +0000 'UTC'", CultureInfo.InvariantCulture),
                Active = user.Active,
            };
            if (user.SysAdmin)
            {
                proto.Permissions.Add(new Wire.Permission { Database = "*", Permission_ = (uint)Permission.SysAdmin });
            }

            foreach (var (database, permission) in user.Permissions.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                proto.Permissions.Add(new Wire.Permission { Database = database, Permission_ = (uint)permission });
            }

            list.Users.Add(proto);
        }

        return Task.FromResult(list);
    }

    /// <inheritdoc />
    public override async Task<WellKnown.Empty> CreateUser(Wire.CreateUserRequest request, ServerCallContext context)
    {
        await engine.Access.CreateUserAsync(CallerInterceptor.Caller(context), Utf8(request.User), Utf8(request.Password),
            request.Permission, request.Database, context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    /// <inheritdoc />
    public override async Task<WellKnown.Empty> ChangePassword(Wire.ChangePasswordRequest request, ServerCallContext context)
    {
        await engine.Access.ChangePasswordAsync(CallerInterceptor.Caller(context), Utf8(request.User), Utf8(request.OldPassword),
            Utf8(request.NewPassword), context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    /// <inheritdoc />
    public override async Task<WellKnown.Empty> ChangePermission(Wire.ChangePermissionRequest request, ServerCallContext context)
    {
        bool grant = request.Action switch
        {
            Wire.PermissionAction.Grant => true,
            Wire.PermissionAction.Revoke => false,
            _ => throw ApiErrors.IllegalArguments("action must be GRANT or REVOKE"),
        };
        await engine.Access.ChangePermissionAsync(CallerInterceptor.Caller(context), grant, request.Username, request.Database,
            request.Permission, context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    /// <inheritdoc />
    public override async Task<WellKnown.Empty> SetActiveUser(Wire.SetActiveUserRequest request, ServerCallContext context)
    {
        await engine.Access.SetActiveAsync(CallerInterceptor.Caller(context), request.Username, request.Active, context.CancellationToken).ConfigureAwait(false);
        return Empty;
    }

    /// <inheritdoc />
    public override Task<WellKnown.Empty> UpdateAuthConfig(Wire.AuthConfig request, ServerCallContext context) => throw ApiErrors.NotSupported();

    /// <inheritdoc />
    public override Task<WellKnown.Empty> UpdateMTLSConfig(Wire.MTLSConfig request, ServerCallContext context) => throw ApiErrors.NotSupported();

    // Names and passwords arrive as bytes; invalid UTF-8 is refused rather than silently replaced.
    private static string Utf8(ByteString bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes.Span);
        }
        catch (DecoderFallbackException)
        {
            throw ApiErrors.IllegalArguments("user names and passwords must be UTF-8");
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
