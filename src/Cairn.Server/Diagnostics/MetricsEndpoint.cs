// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers;
using System.Net;
using System.Text.Json;
using Cairn.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Cairn.Server.Diagnostics;

/// <summary>
/// The metrics port: a Kestrel host of its own speaking HTTP/1.1 (what Prometheus and probes speak) and serving
/// only <c>/metrics</c> and <c>/health</c>, without authentication. A separate host rather than a second listener
/// of the gRPC host, so that neither port reaches the other's endpoints whatever a client sends as Host.
/// </summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsEndpoint(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The port actually bound.</summary>
    public int Port { get; }

    /// <summary>Binds and starts serving.</summary>
    /// <exception cref="IOException">The address or port cannot be bound.</exception>
    public static async Task<MetricsEndpoint> StartAsync(IPAddress address, int port, ServerMetrics metrics, CairnEngine engine, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);

        // Only the gRPC host reacts to SIGTERM; this one is stopped by CairnServer after calls in flight finished,
        // so probes and scrapes keep working while the server drains.
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        app.MapMetrics("/metrics", metrics.Registry);
        app.MapGet("/health", context => WriteHealthAsync(context, engine));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new MetricsEndpoint(app, port != 0 ? port : BoundPort(app));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// 200 and <c>{"status":"ok","databases":N}</c> while every database (systemdb included) accepts writes; 503 and
    /// <c>{"status":"failing",…,"failing":[names]}</c> once a storage failure stopped one.
    /// </summary>
    internal static async Task WriteHealthAsync(HttpContext context, CairnEngine engine)
    {
        var failing = new List<string>();
        var system = engine.Databases.SystemDatabase;
        if (system.Failure is not null)
        {
            failing.Add(system.Name);
        }

        if (engine.Databases.AuditDatabase.Failure is not null)
        {
            failing.Add(DatabaseNames.Audit);
        }

        var databases = engine.Databases.List();
        foreach (var record in databases)
        {
            if (engine.Databases.Find(record.Name) is { Failure: not null } database)
            {
                failing.Add(database.Name);
            }
        }

        var body = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("status", failing.Count == 0 ? "ok" : "failing");
            json.WriteNumber("databases", databases.Count);
            if (failing.Count > 0)
            {
                json.WriteStartArray("failing");
                failing.ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        context.Response.StatusCode = failing.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = body.WrittenCount;
        await context.Response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private static int BoundPort(WebApplication app)
    {
        foreach (string bound in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            if (Uri.TryCreate(bound, UriKind.Absolute, out var uri))
            {
                return uri.Port;
            }
        }

        throw new IOException("the metrics port started but reported no bound port");
    }

    private sealed class ManualLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
