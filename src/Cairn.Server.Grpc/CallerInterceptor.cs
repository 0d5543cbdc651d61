// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;
using Cairn.Engine;
using Cairn.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Grpc;

/// <summary>
/// Runs before every method: finds the caller (session id first, then bearer token), applies the method's rule
/// from <see cref="MethodPermissions"/>, and turns engine refusals into statuses. Handlers find the caller with
/// <see cref="Caller(ServerCallContext)"/>.
/// </summary>
/// <remarks>It also times every call and tells <see cref="GrpcFrontEndOptions.CallObserver"/> and the audit trail
/// how it ended, because it is the one place that sees the final status of every call, refusals included.</remarks>
public sealed partial class CallerInterceptor(CairnEngine engine, GrpcFrontEndOptions options, ILogger<CallerInterceptor> logger) : Interceptor
{
    private const string CallerKey = "cairn.caller";
    private const string CertificateUserKey = "cairn.certificate-user";
    private readonly IGrpcCallObserver? _observer = options.CallObserver;

    /// <summary>The caller the interceptor authenticated for this call.</summary>
    public static Caller Caller(ServerCallContext context) =>
        context.UserState.TryGetValue(CallerKey, out var value) && value is Caller caller
            ? caller
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "not logged in"));

    /// <summary>The user the connection's client certificate names (mutual TLS), or null without one.</summary>
    public static string? CertificateUser(ServerCallContext context) =>
        context.UserState.TryGetValue(CertificateUserKey, out var value) ? value as string : null;

    /// <summary>The user database the caller selected, checked by the interceptor.</summary>
    public static string SelectedDatabase(ServerCallContext context) =>
        Caller(context).Database ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, "please select a database first"));

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(request, context, () => continuation(request, context));

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync<object?>(request, context, async () =>
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return null;
        });

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(null, context, () => continuation(requestStream, context));

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync<object?>(null, context, async () =>
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            return null;
        });

    // Every kind of call: admit, run, map refusals, then tell the observer and the audit trail how it ended.
    private async Task<T> RunAsync<T>(object? request, ServerCallContext context, Func<Task<T>> call)
    {
        long started = Stopwatch.GetTimestamp();
        var startedAt = engine.Options.Time.GetUtcNow();
        var status = StatusCode.OK;
        string? error = null;
        long admitted = 0;
        object? response = null;
        try
        {
            Admit(context);
            admitted = Stopwatch.GetTimestamp();
            var result = await call().ConfigureAwait(false);
            response = result;
            return result;
        }
        catch (Exception e) when (e is not RpcException)
        {
            var rpc = Translate(e, context);
            status = rpc.StatusCode;
            error = rpc.Status.Detail;
            throw rpc;
        }
        catch (RpcException e)
        {
            status = e.StatusCode;
            error = e.Status.Detail;
            GrpcLog.Refused(logger, context.Method, e.StatusCode, e.Status.Detail);
            throw;
        }
        finally
        {
            _observer?.CallCompleted(context.Method, status, Stopwatch.GetElapsedTime(started));
            if (engine.Audit.Enabled)
            {
                await AuditAsync(new CallOutcome(request, response, started, startedAt, admitted, status, error), context).ConfigureAwait(false);
            }
        }
    }

    private void Admit(ServerCallContext context)
    {
        string method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        if (MethodPermissions.Find(context.Method) is not { } rule)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, $"method {method} is not served"));
        }

        string? certificateUser = options.ClientCertificatesNameUsers ? ClientCertificateUsers.UserOf(context) : null;
        if (certificateUser is not null)
        {
            context.UserState[CertificateUserKey] = certificateUser;
        }

        if (rule.Kind == AccessKind.Anonymous)
        {
            return;
        }

        string? sessionId = context.RequestHeaders.GetValue("sessionid");
        string? token = context.RequestHeaders.GetValue("authorization");
        var caller = certificateUser is null
            ? engine.Access.Authenticate(sessionId, token)
            : engine.Access.Authenticate(sessionId, token, certificateUser);

        // Kept before the checks so that a refusal is audited with the caller it refused.
        context.UserState[CallerKey] = caller;
        switch (rule.Kind)
        {
            case AccessKind.LoggedIn:
                break;
            case AccessKind.SysAdmin:
                engine.Access.RequireSysAdmin(caller, method);
                break;
            case AccessKind.UserAdmin:
                if (!engine.Access.CurrentUser(caller).SysAdmin)
                {
                    engine.Access.RequireOnSelectedDatabase(caller, Permission.Admin, method);
                }

                break;
            case AccessKind.Database:
                engine.Access.RequireOnSelectedDatabase(caller, rule.Minimum, method, rule.OnSystemDatabase);
                break;
            case AccessKind.Privileged:
                engine.Access.RequirePrivilegeSomewhere(caller, rule.Privilege!.Value, method);
                break;
        }
    }

    private RpcException Translate(Exception exception, ServerCallContext context)
    {
        if (ApiErrors.ToRpc(exception) is { } rpc)
        {
            GrpcLog.Refused(logger, context.Method, rpc.StatusCode, rpc.Status.Detail);
            return rpc;
        }

        GrpcLog.Unexpected(logger, exception, context.Method);
        return new RpcException(new Status(StatusCode.Internal, "internal error: " + exception.GetType().Name));
    }
}
