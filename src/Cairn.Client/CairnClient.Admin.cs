// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Google.Protobuf;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Client;

/// <summary>Users, databases and the server.</summary>
public sealed partial class CairnClient
{
    /// <summary>The users the caller may see.</summary>
    public async Task<IReadOnlyList<CairnUser>> ListUsersAsync(CancellationToken cancellationToken = default) =>
        [.. (await CallAsync(o => _grpc.ListUsersAsync(Empty, o), cancellationToken).ConfigureAwait(false)).Users.Select(Replies.User)];

    /// <summary>Creates a user with <paramref name="permission"/> (see <see cref="CairnPermissions"/>) on <paramref name="database"/>.</summary>
    public Task CreateUserAsync(string user, string password, uint permission, string database, CancellationToken cancellationToken = default) =>
        CallAsync(o => _grpc.CreateUserAsync(new Wire.CreateUserRequest
        {
            User = ByteString.CopyFromUtf8(user),
            Password = ByteString.CopyFromUtf8(password),
            Permission = permission,
            Database = database,
        }, o), cancellationToken);

    /// <summary>Changes a password (the old one is needed for your own).</summary>
    public Task ChangePasswordAsync(string user, string oldPassword, string newPassword, CancellationToken cancellationToken = default) =>
        CallAsync(o => _grpc.ChangePasswordAsync(new Wire.ChangePasswordRequest
        {
            User = ByteString.CopyFromUtf8(user),
            OldPassword = ByteString.CopyFromUtf8(oldPassword),
            NewPassword = ByteString.CopyFromUtf8(newPassword),
        }, o), cancellationToken);

    /// <summary>Grants <paramref name="permission"/> on <paramref name="database"/> (replacing any earlier one), or revokes it.</summary>
    public Task ChangePermissionAsync(string user, string database, uint permission, bool grant = true, CancellationToken cancellationToken = default) =>
        CallAsync(o => _grpc.ChangePermissionAsync(new Wire.ChangePermissionRequest
        {
            Action = grant ? Wire.PermissionAction.Grant : Wire.PermissionAction.Revoke,
            Username = user,
            Database = database,
            Permission = permission,
        }, o), cancellationToken);

    /// <summary>Activates or deactivates a user.</summary>
    public Task SetActiveUserAsync(string user, bool active, CancellationToken cancellationToken = default) =>
        CallAsync(o => _grpc.SetActiveUserAsync(new Wire.SetActiveUserRequest { Username = user, Active = active }, o), cancellationToken);

    /// <summary>Creates a database (sysadmin).</summary>
    public Task CreateDatabaseAsync(string database, CancellationToken cancellationToken = default) =>
        CallAsync(o => _grpc.CreateDatabaseAsync(new Wire.Database { DatabaseName = database }, o), cancellationToken);

    /// <summary>The databases the caller may use, with their sizes.</summary>
    public async Task<IReadOnlyList<Wire.DatabaseInfo>> ListDatabasesAsync(CancellationToken cancellationToken = default) =>
        [.. (await CallAsync(o => _grpc.DatabaseListV2Async(new Wire.DatabaseListRequestV2(), o), cancellationToken).ConfigureAwait(false)).Databases];

    /// <summary>Version, start time and totals of the server.</summary>
    public Task<Wire.ServerInfoResponse> ServerInfoAsync(CancellationToken cancellationToken = default) =>
        CallAsync(o => _grpc.ServerInfoAsync(new Wire.ServerInfoRequest(), o), cancellationToken);
}
