// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Net;
using System.Runtime.InteropServices;
using Cairn.Engine;
using Cairn.Engine.Audit;
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
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Hosting;

/// <summary>
/// The running server: one engine over the data folder and one Kestrel host with the gRPC front end on its
/// own HTTP/2-only port (gRPC without TLS needs prior-knowledge HTTP/2; an HTTP/1+2 port breaks it), plus,
/// unless turned off, the metrics port (HTTP/1.1, <c>/metrics</c> and <c>/health</c>) in a host of its own.
/// With <c>--tls-cert</c> the gRPC port speaks TLS (ALPN h2) with certificates that SIGHUP reloads.
/// </summary>
public sealed class CairnServer : IAsyncDisposable
{
    private readonly IHost _app;
    private readonly MetricsEndpoint? _metricsEndpoint;
    private readonly CairnEngine _engine;
    private readonly StateSigner? _signer;
    private readonly TlsCertificates? _tls;
    private readonly PosixSignalRegistration? _reloadSignal;
    private readonly ILogger _logger;
    private int _disposed;

    private CairnServer(IHost app, MetricsEndpoint? metricsEndpoint, CairnEngine engine, StateSigner? signer, TlsCertificates? tls, ILogger logger, int port)
    {
        _app = app;
        _metricsEndpoint = metricsEndpoint;
        _engine = engine;
        _signer = signer;
        _tls = tls;
        _logger = logger;
        Port = port;

        // SIGHUP would otherwise end the process; here it reloads the TLS files (and is harmless without TLS).
        if (!OperatingSystem.IsWindows())
        {
            _reloadSignal = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                ReloadCertificates();
            });
        }
    }

    /// <summary>The gRPC port actually bound; 0 when the gRPC front end is off.</summary>
    public int Port { get; }

    /// <summary>Whether the gRPC port speaks TLS.</summary>
    public bool Tls => _tls is not null;

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
        if (!settings.GrpcEnabled && settings.MetricsPort is null)
        {
            throw new ServerStartException("grpc: off while metrics-port is off too: nothing would be served; turn one of them on");
        }

        if (settings.GrpcEnabled && settings.MetricsPort is { } metricsPort && metricsPort != 0 && metricsPort == settings.Port)
        {
            throw new ServerStartException($"metrics-port: {metricsPort} is also the gRPC port; give another port, 0 for any free one, or off");
        }

        // Read before the data folder is opened, so a bad certificate stops the start without touching it.
        var tls = settings.GrpcEnabled ? TlsCertificates.Load(settings, TimeProvider.System, logger) : null;
        var metrics = settings.MetricsPort is null ? null : new ServerMetrics(ServerVersion.Current);
        var signer = LoadSigner(settings.SigningKeyPath);
        if (settings.AdminPassword is { } given && !PasswordPolicy.IsStrong(given))
        {
            throw new ServerStartException("admin-password: " + PasswordPolicy.Rule);
        }

        var provisioned = LoadUsersFile(settings, logger);
        if (settings.LoginThrottleBase > settings.LoginThrottleMax)
        {
            throw new ServerStartException("login-throttle-base: must not be longer than login-throttle-max");
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
                TokenLifetime = settings.TokenLifetime,
                LoginThrottle = new LoginThrottleOptions
                {
                    Failures = settings.LoginThrottleFailures,
                    Base = settings.LoginThrottleBase,
                    Max = settings.LoginThrottleMax,
                },
                LoggerFactory = loggerFactory,
                Audit = new AuditOptions { Enabled = settings.Audit, LogFile = settings.AuditLog, QueueCapacity = settings.AuditQueue, BatchDelay = settings.AuditBatchDelay },
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

            StartChecks.DataFolder(logger, engine.Options.DataDirectory);
            if (settings.LoginThrottleFailures == 0)
            {
                ServerLog.LoginThrottleOff(logger);
            }

            if (provisioned is not null)
            {
                await ProvisionAsync(engine, settings.UsersFile!, provisioned, logger, cancellationToken).ConfigureAwait(false);
            }

            if (!loopback && engine.Access.AdminHasDefaultPassword)
            {
                throw new ServerStartException(
                    $"refusing to listen on {settings.Address}: the admin user '{UserNames.Admin}' still has the default password. " +
                    "Start with --admin-password (or CAIRN_ADMIN_PASSWORD) to set one, or change it while listening on 127.0.0.1.");
            }

            metrics?.Attach(engine);
            var app = settings.GrpcEnabled ? BuildHost(settings, engine, signer, metrics, tls, loggerFactory, address) : BuildIdleHost(loggerFactory);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            int port = settings.GrpcEnabled ? BoundPort(app, settings.Port) : 0;
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
            if (settings.GrpcEnabled)
            {
                ServerLog.Listening(logger, settings.Address, port, engine.Identity);
            }
            else
            {
                TlsLog.GrpcOff(logger, engine.Identity);
            }

            return new CairnServer(app, metricsEndpoint, engine, signer, tls, logger, port);
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

    /// <summary>Reads the TLS files again (what SIGHUP does); a failure is logged and the current certificate kept.</summary>
    /// <returns>Whether new certificates are in use (false also when TLS is off).</returns>
    public bool ReloadCertificates()
    {
        if (_tls is null)
        {
            TlsLog.NothingToReload(_logger);
            return false;
        }

        return _tls.Reload();
    }

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

        _reloadSignal?.Dispose();
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await DisposeHostAsync(_app).ConfigureAwait(false);
            if (_metricsEndpoint is not null)
            {
                await _metricsEndpoint.DisposeAsync().ConfigureAwait(false);
            }

            _engine.Dispose();
            _signer?.Dispose();
            ServerLog.Stopped(_logger);
        }
    }

    private static async Task<MetricsEndpoint> StartMetricsAsync(IHost grpcApp, IPAddress address, ServerSettings settings, ServerMetrics metrics, CairnEngine engine, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        try
        {
            return await MetricsEndpoint.StartAsync(address, settings.MetricsPort!.Value, metrics, engine, loggerFactory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await grpcApp.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await DisposeHostAsync(grpcApp).ConfigureAwait(false);
            if (e is IOException)
            {
                throw new ServerStartException(
                    $"metrics-port: cannot listen on {settings.MetricsAddress ?? settings.Address}:{settings.MetricsPort}: {e.Message}. Give another --metrics-port, 0 for any free one, or off.", e);
            }

            throw;
        }
    }

    private static WebApplication BuildHost(ServerSettings settings, CairnEngine engine, StateSigner? signer, ServerMetrics? metrics, TlsCertificates? tls, ILoggerFactory loggerFactory, IPAddress address)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(address, settings.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (tls is not null)
                {
                    // Asked on every handshake, so a SIGHUP reload reaches the next connection.
                    listen.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = _ => ValueTask.FromResult(tls.ForConnection()) });
                }
            });
        });
        builder.Services.AddImmudbGrpc(engine, new GrpcFrontEndOptions
        {
            Signer = signer,
            Version = ServerVersion.Current,
            CallObserver = metrics,
            ClientCertificatesNameUsers = tls?.MutualTls ?? false,
            Provenance = new ProvenanceOptions
            {
                Enabled = settings.Provenance,
                DisabledDatabases = settings.ProvenanceOffDatabases.ToHashSet(StringComparer.Ordinal),
                // Full records that do not fit a header go to auditdb; with the audit trail off, to the server log.
                Archive = engine.Audit.Enabled
                    ? new Cairn.Engine.Audit.AuditProvenanceArchive(engine.Audit)
                    : new LoggingProvenanceArchive(loggerFactory.CreateLogger("Cairn.Provenance")),
            },
        }, settings.MaxRecvMsgSize, settings.MaxSendMsgSize);
        var app = builder.Build();
        app.MapImmudbGrpc(engine);
        return app;
    }

    // Read and checked before the data folder is opened, so that a bad file stops the start without touching it.
    private static ProvisioningPlan? LoadUsersFile(ServerSettings settings, ILogger logger)
    {
        StartChecks.SecretFile(logger, "config", settings.ConfigFile);
        StartChecks.SecretFile(logger, "signing-key", settings.SigningKeyPath);
        if (settings.UsersFile is not { } path)
        {
            return null;
        }

        StartChecks.SecretFile(logger, "users-file", path);
        try
        {
            var plan = UsersFile.Load(path);
            AccessManager.CheckProvisioning(plan);
            return plan;
        }
        catch (SettingsException e)
        {
            throw new ServerStartException(e.Message, e);
        }
        catch (EngineException e)
        {
            throw new ServerStartException($"users-file: {path}: {e.Message}", e);
        }
    }

    private static async Task ProvisionAsync(CairnEngine engine, string path, ProvisioningPlan plan, ILogger logger, CancellationToken cancellationToken)
    {
        IReadOnlyList<(string Name, ProvisioningOutcome Outcome)> outcomes;
        try
        {
            outcomes = await engine.Access.ProvisionAsync(plan, cancellationToken).ConfigureAwait(false);
        }
        catch (EngineException e)
        {
            throw new ServerStartException($"users-file: {path}: {e.Message}", e);
        }

        foreach (var user in plan.Users.Where(u => u.Password is not null))
        {
            ServerLog.PlainPasswordInUsersFile(logger, path, user.Name);
        }

        ServerLog.UsersFileApplied(logger, path, outcomes.Count(o => o.Outcome == ProvisioningOutcome.Created),
            outcomes.Count(o => o.Outcome == ProvisioningOutcome.Updated), outcomes.Count(o => o.Outcome == ProvisioningOutcome.Unchanged));
    }

    // With gRPC off there is no web host, but something must still turn SIGTERM and Ctrl-C into a stop.
    private static IHost BuildIdleHost(ILoggerFactory loggerFactory)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder.Build();
    }

    private static async ValueTask DisposeHostAsync(IHost host)
    {
        if (host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            host.Dispose();
        }
    }

    private static int BoundPort(IHost app, int requested)
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
