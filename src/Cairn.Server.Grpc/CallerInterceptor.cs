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
/// <remarks>It also times every call and tells <see cref="GrpcFrontEndOptions.CallObserver"/> how it ended, because
/// it is the one place that sees the final status of every call, refusals included.</remarks>
public sealed class CallerInterceptor(CairnEngine engine, GrpcFrontEndOptions options, ILogger<CallerInterceptor> logger) : Interceptor
{
    private const string CallerKey = "cairn.caller";
    private readonly IGrpcCallObserver? _observer = options.CallObserver;

    /// <summary>The caller the interceptor authenticated for this call.</summary>
    public static Caller Caller(ServerCallContext context) =>
        context.UserState.TryGetValue(CallerKey, out var value) && value is Caller caller
            ? caller
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "not logged in"));

    /// <summary>The user database the caller selected, checked by the interceptor.</summary>
    public static string SelectedDatabase(ServerCallContext context) =>
        Caller(context).Database ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, "please select a database first"));

    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        long started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            Admit(context);
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            var rpc = Translate(e, context);
            status = rpc.StatusCode;
            throw rpc;
        }
        catch (RpcException e)
        {
            status = e.StatusCode;
            GrpcLog.Refused(logger, context.Method, e.StatusCode, e.Status.Detail);
            throw;
        }
        finally
        {
            _observer?.CallCompleted(context.Method, status, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        long started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            Admit(context);
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            var rpc = Translate(e, context);
            status = rpc.StatusCode;
            throw rpc;
        }
        catch (RpcException e)
        {
            status = e.StatusCode;
            throw;
        }
        finally
        {
            _observer?.CallCompleted(context.Method, status, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        long started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            Admit(context);
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            var rpc = Translate(e, context);
            status = rpc.StatusCode;
            throw rpc;
        }
        catch (RpcException e)
        {
            status = e.StatusCode;
            throw;
        }
        finally
        {
            _observer?.CallCompleted(context.Method, status, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        long started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            Admit(context);
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            var rpc = Translate(e, context);
            status = rpc.StatusCode;
            throw rpc;
        }
        catch (RpcException e)
        {
            status = e.StatusCode;
            throw;
        }
        finally
        {
            _observer?.CallCompleted(context.Method, status, Stopwatch.GetElapsedTime(started));
        }
    }

    private void Admit(ServerCallContext context)
    {
        string method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        if (MethodPermissions.Find(context.Method) is not { } rule)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, $"method {method} is not served"));
        }

        if (rule.Kind == AccessKind.Anonymous)
        {
            return;
        }

        string? sessionId = context.RequestHeaders.GetValue("sessionid");
        string? token = context.RequestHeaders.GetValue("authorization");
        var caller = engine.Access.Authenticate(sessionId, token);
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

        context.UserState[CallerKey] = caller;
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
