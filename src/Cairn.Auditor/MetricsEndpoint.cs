// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Cairn.Auditor;

/// <summary>A small Kestrel host that serves <c>GET /metrics</c> (HTTP/1.1) from one registry.</summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsEndpoint(WebApplication app, IPAddress address, int port)
    {
        _app = app;
        Address = address;
        Port = port;
    }

    /// <summary>The address listened on.</summary>
    public IPAddress Address { get; }

    /// <summary>The port listened on (the bound one when 0 was asked for).</summary>
    public int Port { get; }

    /// <summary>Starts listening on <paramref name="address"/>:<paramref name="port"/> (0 = a free port) and logs where.</summary>
    public static async Task<MetricsEndpoint> StartAsync(CollectorRegistry registry, IPAddress address, int port, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(logger);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();

        // The caller owns the process's lifetime (SIGTERM, Ctrl-C); the host must not hook the signals as well.
        builder.Services.AddSingleton<IHostLifetime, CallerOwnedLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        app.MapMetrics("/metrics", registry);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        int bound = port;
        if (bound == 0)
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            bound = addresses.Select(a => Uri.TryCreate(a, UriKind.Absolute, out var uri) ? uri.Port : 0).FirstOrDefault(p => p > 0);
        }

        AuditLog.MetricsListening(logger, address.ToString(), bound);
        return new MetricsEndpoint(app, address, bound);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class CallerOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
