// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Net;
using Cairn.Engine;
using Cairn.Security;
using Cairn.Server.Configuration;
using Cairn.Server.Diagnostics;
using Cairn.Server.Grpc;
using Cairn.Storage;
using Cairn.Verification;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Hosting;

/// <summary>
/// The running server: one engine over the data folder and one Kestrel host with the gRPC front end on its
/// own HTTP/2-only port (gRPC without TLS needs prior-knowledge HTTP/2; an HTTP/1+2 port breaks it), plus,
/// unless turned off, the metrics port (HTTP/1.1, <c>/metrics</c> and <c>/health</c>) in a host of its own.
/// </summary>
public sealed class CairnServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly MetricsEndpoint? _metricsEndpoint;
    private readonly CairnEngine _engine;
    private readonly StateSigner? _signer;
    private readonly ILogger _logger;
    private int _disposed;

    private CairnServer(WebApplication app, MetricsEndpoint? metricsEndpoint, CairnEngine engine, StateSigner? signer, ILogger logger, int port)
    {
        _app = app;
        _metricsEndpoint = metricsEndpoint;
        _engine = engine;
        _signer = signer;
        _logger = logger;
        Port = port;
    }

    /// <summary>The gRPC port actually bound.</summary>
    public int Port { get; }

    /// <summary>The metrics port actually bound; null when it is off.</summary>
    public int? MetricsPort => _metricsEndpoint?.Port;

    /// <summary>The engine served.</summary>
    public CairnEngine Engine => _engine;

    /// <summary>Opens the data folder, applies the start-up safety checks and starts listening.</summary>
    /// <exception cref="ServerStartException">A setting or the data folder does not allow starting; the message says why and what to do.</exception>
    public static async Task<CairnServer> StartAsync(ServerSettings settings, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var logger = loggerFactory.CreateLogger("Cairn.Server");
        var (address, loopback) = ParseAddress(settings.Address);
        var (metricsAddress, _) = ParseAddress(settings.MetricsAddress ?? settings.Address, "metrics-address");
        if (settings.MetricsPort is { } metricsPort && metricsPort != 0 && metricsPort == settings.Port)
        {
            throw new ServerStartException($"metrics-port: {metricsPort} is also the gRPC port; give another port, 0 for any free one, or off");
        }

        var metrics = settings.MetricsPort is null ? null : new ServerMetrics(ServerVersion.Current);
        var signer = LoadSigner(settings.SigningKeyPath);
        if (settings.AdminPassword is { } given && !PasswordPolicy.IsStrong(given))
        {
            throw new ServerStartException("admin-password: " + PasswordPolicy.Rule);
        }

        CairnEngine engine;
        try
        {
            engine = await CairnEngine.OpenAsync(new EngineOptions
            {
                DataDirectory = settings.DataDirectory,
                InitialAdminPassword = settings.AdminPassword,
                SessionIdleTimeout = settings.SessionTimeout,
                MaxSessions = settings.MaxSessions,
                LoggerFactory = loggerFactory,
                DatabaseTemplate = new DatabaseOptions
                {
                    MaxKeyLength = settings.MaxKeyLength,
                    MaxValueLength = settings.MaxValueLength,
                    MaxTxEntries = settings.MaxTxEntries,
                    MaxScanLimit = settings.MaxScanLimit,
                    CommitObserver = metrics,
                },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IntegrityException or StorageException or InvalidDataException or EngineException)
        {
            signer?.Dispose();
            throw new ServerStartException($"cannot open the data folder {settings.DataDirectory}: {e.Message}", e);
        }

        try
        {
            if (settings.AdminPassword is { } password && engine.Access.AdminHasDefaultPassword)
            {
                await engine.Access.ReplaceDefaultAdminPasswordAsync(password, cancellationToken).ConfigureAwait(false);
                ServerLog.AdminPasswordSet(logger);
            }

            if (!loopback && engine.Access.AdminHasDefaultPassword)
            {
                throw new ServerStartException(
                    $"refusing to listen on {settings.Address}: the admin user '{UserNames.Admin}' still has the default password. " +
                    "Start with --admin-password (or CAIRN_ADMIN_PASSWORD) to set one, or change it while listening on 127.0.0.1.");
            }

            metrics?.Attach(engine);
            var app = BuildHost(settings, engine, signer, metrics, loggerFactory, address);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            int port = BoundPort(app, settings.Port);
            MetricsEndpoint? metricsEndpoint = null;
            if (metrics is not null)
            {
                metricsEndpoint = await StartMetricsAsync(app, metricsAddress, settings, metrics, engine, loggerFactory, cancellationToken).ConfigureAwait(false);
                ServerLog.MetricsListening(logger, settings.MetricsAddress ?? settings.Address, metricsEndpoint.Port);
            }
            else
            {
                ServerLog.MetricsOff(logger);
            }

            // Logged last: this line tells whoever waits for the server that every port is ready.
            ServerLog.Listening(logger, settings.Address, port, engine.Identity);
            return new CairnServer(app, metricsEndpoint, engine, signer, logger, port);
        }
        catch
        {
            engine.Dispose();
            signer?.Dispose();
            throw;
        }
    }

    /// <summary>Completes when the host was asked to stop (SIGTERM, Ctrl-C or <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops accepting calls, lets calls in flight finish, then closes the databases.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            if (_metricsEndpoint is not null)
            {
                await _metricsEndpoint.DisposeAsync().ConfigureAwait(false);
            }

            _engine.Dispose();
            _signer?.Dispose();
            ServerLog.Stopped(_logger);
        }
    }

    private static async Task<MetricsEndpoint> StartMetricsAsync(WebApplication grpcApp, IPAddress address, ServerSettings settings, ServerMetrics metrics, CairnEngine engine, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        try
        {
            return await MetricsEndpoint.StartAsync(address, settings.MetricsPort!.Value, metrics, engine, loggerFactory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await grpcApp.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await grpcApp.DisposeAsync().ConfigureAwait(false);
            if (e is IOException)
            {
                throw new ServerStartException(
                    $"metrics-port: cannot listen on {settings.MetricsAddress ?? settings.Address}:{settings.MetricsPort}: {e.Message}. Give another --metrics-port, 0 for any free one, or off.", e);
            }

            throw;
        }
    }

    private static WebApplication BuildHost(ServerSettings settings, CairnEngine engine, StateSigner? signer, ServerMetrics? metrics, ILoggerFactory loggerFactory, IPAddress address)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(address, settings.Port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddImmudbGrpc(engine, new GrpcFrontEndOptions
            {
                Signer = signer,
                Version = ServerVersion.Current,
                CallObserver = metrics,
                Provenance = new ProvenanceOptions
                {
                    Enabled = settings.Provenance,
                    DisabledDatabases = settings.ProvenanceOffDatabases.ToHashSet(StringComparer.Ordinal),
                    Archive = new LoggingProvenanceArchive(loggerFactory.CreateLogger("Cairn.Provenance")),
                },
            },
            settings.MaxRecvMsgSize, settings.MaxSendMsgSize);
        var app = builder.Build();
        app.MapImmudbGrpc(engine);
        return app;
    }

    private static int BoundPort(WebApplication app, int requested)
    {
        if (requested != 0)
        {
            return requested;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (string bound in addresses)
        {
            if (Uri.TryCreate(bound, UriKind.Absolute, out var uri))
            {
                return uri.Port;
            }
        }

        throw new ServerStartException("the server started but reported no bound port");
    }

    private static (IPAddress Address, bool Loopback) ParseAddress(string text, string setting = "address")
    {
        if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return (IPAddress.Loopback, true);
        }

        return IPAddress.TryParse(text, out var address)
            ? (address, IPAddress.IsLoopback(address))
            : throw new ServerStartException($"{setting}: '{text}' is not an IP address (use e.g. 127.0.0.1, 0.0.0.0 or ::)");
    }

    private static StateSigner? LoadSigner(string? path)
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            return StateSigner.FromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ServerStartException($"signing-key: cannot read {path}: {e.Message}", e);
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            throw new ServerStartException($"signing-key: {path} holds no ECDSA P-256 private key in PEM: {e.Message}", e);
        }
    }
}

/// <summary>The server cannot start with these settings or this data folder.</summary>
public sealed class ServerStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The version the server reports.</summary>
public static class ServerVersion
{
    /// <summary>The informational version of this build.</summary>
    public static string Current { get; } =
        typeof(ServerVersion).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
