// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using Cairn.Engine.Audit;
using Cairn.Security;
using Google.Protobuf;
using Sec = Cairn.Protocol.Security;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Grpc;

/// <summary>
/// What an audit record says about a request: the keys it names (scans: the prefix) or a short statement (a tx
/// id, the user or database an administrative call is about). Values, scores, passwords and SQL text are
/// never taken: SQL literals would carry values.
/// </summary>
internal static class AuditRequests
{
    private static readonly IReadOnlyList<string> NoKeys = [];

    public static (IReadOnlyList<string> Keys, int Total, string? Statement) Describe(object? request) => request switch
    {
        Wire.SetRequest r => Keys(r.KVs, static kv => kv.Key.Memory),
        Wire.VerifiableSetRequest r => Describe(r.SetRequest),
        Wire.KeyRequest r => Keys([r.Key]),
        Wire.VerifiableGetRequest r => Describe(r.KeyRequest),
        Wire.KeyListRequest r => Keys([.. r.Keys]),
        Wire.DeleteKeysRequest r => Keys([.. r.Keys]),
        Wire.ExecAllRequest r => Keys([.. r.Operations.SelectMany(OperationKeys)]),
        Wire.ReferenceRequest r => Keys([r.Key, r.ReferencedKey]),
        Wire.VerifiableReferenceRequest r => Describe(r.ReferenceRequest),
        Wire.ZAddRequest r => Keys([r.Set, r.Key]),
        Wire.VerifiableZAddRequest r => Describe(r.ZAddRequest),
        Wire.ScanRequest r => Keys([r.Prefix], "scan by prefix"),
        Wire.KeyPrefix r => Keys([r.Prefix], "count by prefix"),
        Wire.HistoryRequest r => Keys([r.Key]),
        Wire.ZScanRequest r => Keys([r.Set]),
        Wire.TxRequest r => Statement(Invariant($"tx {r.Tx}")),
        Wire.VerifiableTxRequest r => Statement(Invariant($"tx {r.Tx}")),
        Wire.TxScanRequest r => Statement(Invariant($"txs from {r.InitialTx}")),
        Wire.Database r => Statement("database " + r.DatabaseName),
        Wire.CreateDatabaseRequest r => Statement("database " + r.Name),
        Wire.CreateUserRequest r => Statement($"user {User(r.User)} permission {((Permission)r.Permission).Name()} on {r.Database}"),
        Wire.ChangePasswordRequest r => Statement("user " + User(r.User)),
        Wire.ChangePermissionRequest r => Statement($"{r.Action.ToString().ToLowerInvariant()} {((Permission)r.Permission).Name()} on {r.Database} for user {r.Username}"),
        Wire.SetActiveUserRequest r => Statement($"user {r.Username} active {(r.Active ? "true" : "false")}"),
        Wire.OpenSessionRequest r => Statement("database " + r.DatabaseName),
        Sec.CreateUserRequest r => Statement("user " + r.User),
        Sec.DropUserRequest r => Statement("user " + r.User),
        Sec.RoleRequest r => Statement("role " + r.Role),
        Sec.RoleMembershipRequest r => Statement($"role {r.Role} for user {r.User}"),
        Sec.GrantRequest r => Statement($"{r.Grant?.Privilege} on {r.Grant?.Database} keys '{r.Grant?.Pattern}' for {(r.GranteeCase == Sec.GrantRequest.GranteeOneofCase.Role ? "role " + r.Role : "user " + r.User)}"),
        Sec.KeySeparatorRequest r => Statement($"database {r.Database} key separator '{r.Separator}'"),
        _ => (NoKeys, 0, null),
    };

    /// <summary>The user name a login request gives (recorded for refused logins too), never the password.</summary>
    public static string? LoginUser(object? request) => request switch
    {
        Wire.LoginRequest r => User(r.User),
        Wire.OpenSessionRequest r => User(r.Username),
        _ => null,
    };

    private static string User(ByteString name) => AuditKeys.Format(name.Span);

    private static IEnumerable<ByteString> OperationKeys(Wire.Op op) => op.OperationCase switch
    {
        Wire.Op.OperationOneofCase.Kv => [op.Kv.Key],
        Wire.Op.OperationOneofCase.ZAdd => [op.ZAdd.Set, op.ZAdd.Key],
        Wire.Op.OperationOneofCase.Ref => [op.Ref.Key, op.Ref.ReferencedKey],
        _ => [],
    };

    private static (IReadOnlyList<string>, int, string?) Keys(IReadOnlyCollection<ByteString> keys, string? statement = null) =>
        Keys(keys, static k => k.Memory, statement);

    // Keys taken from the request's items as they are, without a list of them first (the hot path: Set).
    private static (IReadOnlyList<string>, int, string?) Keys<T>(IReadOnlyCollection<T> items, Func<T, ReadOnlyMemory<byte>> key, string? statement = null)
    {
        var (list, total) = AuditKeys.Capped(items, key);
        return (list, total, statement);
    }

    private static (IReadOnlyList<string>, int, string?) Statement(string statement) => (NoKeys, 0, statement);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
