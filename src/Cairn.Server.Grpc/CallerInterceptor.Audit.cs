// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;
using Cairn.Engine;
using Cairn.Engine.Audit;
using Cairn.Security;
using Grpc.Core;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Grpc;

/// <summary>
/// The audit records of a call, made once it ended. Login and OpenSession give one authentication record. Any
/// other call gives one authentication record when its token or session is refused; otherwise one authorization
/// record (the permission its rule checked, allowed or denied, a denial by the engine's own checks in the handler
/// included) and, when it was allowed, one query record (success or the error, and the duration). Anonymous calls
/// (Health) give only the query record.
/// </summary>
public sealed partial class CallerInterceptor
{
    private async ValueTask AuditAsync(CallOutcome call, ServerCallContext context)
    {
        string method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        var rule = MethodPermissions.Find(context.Method);
        var caller = context.UserState.TryGetValue(CallerKey, out var value) ? value as Caller : null;
        var (keys, total, statement) = AuditRequests.Describe(call.Request);
        bool ok = call.Status == StatusCode.OK;
        var record = new AuditEvent
        {
            Action = AuditAction.Query,
            User = caller?.User,
            Address = context.Peer,
            Connection = ConnectionId(context),
            Session = caller?.SessionReference,
            Database = caller?.Database,
            Permission = rule is null ? null : PermissionName(rule),
            Method = method,
            Keys = keys,
            KeysTotal = total,
            Statement = statement,
            Success = ok,
            Error = ok ? null : call.Error,
            Duration = Stopwatch.GetElapsedTime(call.Started),
            Time = call.StartedAt,
        };

        var audit = engine.Audit;
        if (method is "Login" or "OpenSession")
        {
            await audit.RecordAsync(record with
            {
                Action = AuditAction.Authentication,
                User = AuditRequests.LoginUser(call.Request),
                Database = (call.Request as Wire.OpenSessionRequest)?.DatabaseName.ToLowerInvariant(),
                Session = (call.Response as Wire.OpenSessionResponse)?.SessionID is { Length: > 0 } id ? AuditEvent.SessionReference(id) : null,
            }).ConfigureAwait(false);
            return;
        }

        if (rule?.Kind == AccessKind.Anonymous)
        {
            await audit.RecordAsync(record).ConfigureAwait(false);
            return;
        }

        if (rule is not null && caller is null)
        {
            // The token or session was refused before any permission was looked at.
            await audit.RecordAsync(record with { Action = AuditAction.Authentication }).ConfigureAwait(false);
            return;
        }

        // Refused by the interceptor's rule (or no rule), or by the engine's own check inside the handler.
        bool denied = call.Admitted == 0 || call.Status == StatusCode.PermissionDenied;
        if (denied)
        {
            await audit.RecordAsync(record with { Action = AuditAction.Authorization, Success = false }).ConfigureAwait(false);
            return;
        }

        await audit.RecordAsync(record with
        {
            Action = AuditAction.Authorization,
            Success = true,
            Error = null,
            Duration = Stopwatch.GetElapsedTime(call.Started, call.Admitted),
        }).ConfigureAwait(false);
        await audit.RecordAsync(record).ConfigureAwait(false);
    }

    // What the rule checks, in the words of the permission names; "login" for any logged-in user, the privilege's
    // name (CREATE_USER, GRANT, …) for management calls.
    private static string PermissionName(MethodRule rule) => rule.Kind switch
    {
        AccessKind.Anonymous => Permission.None.Name(),
        AccessKind.LoggedIn => "login",
        AccessKind.Privileged => rule.Privilege!.Value.Name(),
        _ => rule.Required.Name(),
    };

    private static string? ConnectionId(ServerCallContext context)
    {
        try
        {
            return context.GetHttpContext().Connection.Id;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private readonly record struct CallOutcome(object? Request, object? Response, long Started, DateTimeOffset StartedAt, long Admitted, StatusCode Status, string? Error);
}
