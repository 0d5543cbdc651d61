// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Grpc;

/// <summary>Wires the immudb gRPC API into an ASP.NET Core host.</summary>
public static class GrpcFrontEnd
{
    /// <summary>The response header that carries the server identity (immudb's name).</summary>
    public const string IdentityHeader = "immudb-uuid";

    /// <summary>Registers the service, its interceptor and the message size limits.</summary>
    public static IServiceCollection AddImmudbGrpc(this IServiceCollection services, CairnEngine engine, GrpcFrontEndOptions options, int maxReceiveMessageSize, int maxSendMessageSize)
    {
        services.AddSingleton(engine);
        services.AddSingleton(options);
        services.AddSingleton<CallerInterceptor>();
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = maxReceiveMessageSize;
            grpc.MaxSendMessageSize = maxSendMessageSize;
            grpc.EnableDetailedErrors = false;
            grpc.Interceptors.Add<CallerInterceptor>();
        });
        return services;
    }

    /// <summary>Maps immudb's service and Cairn's security service, and stamps every response with <see cref="IdentityHeader"/>.</summary>
    public static IEndpointRouteBuilder MapImmudbGrpc(this WebApplication app, CairnEngine engine)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(engine);
        app.Use((context, next) =>
        {
            context.Response.Headers[IdentityHeader] = engine.Identity;
            return next(context);
        });
        app.MapGrpcService<ImmuGrpcService>();
        app.MapGrpcService<SecurityGrpcService>();
        return app;
    }
}
