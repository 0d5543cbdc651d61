// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using System.Net;
using Cairn.Auditor;
using Cairn.Cli.Session;
using Cairn.Verification;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Cairn.Cli.Commands;

/// <summary>
/// <c>cairn audit</c>: audits a server on a timer and serves the verdicts as Prometheus metrics until SIGTERM or
/// Ctrl-C; with <c>--once</c>, one run whose exit code is the verdict.
/// </summary>
internal static class AuditCommand
{
    /// <summary>Exit code for options that do not allow starting (EX_CONFIG, as <c>cairn serve</c>).</summary>
    private const int ConfigError = 78;

    public static Command Create()
    {
        var address = new Option<string?>("--address") { Description = "server to audit, host:port or http(s)://host:port [env: CAIRN_AUDIT_ADDRESS] [default: 127.0.0.1:3322]", HelpName = "address" };
        var user = new Option<string?>("--user")
        {
            Description = "user to log in as; read permission is enough [env: CAIRN_AUDIT_USER] [default: the CN of --tls-cert, else immudb]",
            HelpName = "name",
        };
        var password = new Option<string?>("--password")
        {
            Description = "the user's password (prefer the environment variable; none with --tls-cert) [env: CAIRN_AUDIT_PASSWORD]",
            HelpName = "password",
        };
        var tls = new TlsOptions("CAIRN_AUDIT", recursive: false);
        var databases = new Option<string[]>("--database") { Description = "a database to audit; repeat for more [default: every database the user can list]", HelpName = "name" };
        var interval = new Option<string>("--interval") { Description = "time between runs, e.g. 90s, 5m, 1h", HelpName = "duration", DefaultValueFactory = _ => "5m" };
        var sample = new Option<int>("--sample") { Description = "transactions per database and run re-read with verified calls (all when there are no more)", HelpName = "count", DefaultValueFactory = _ => 10 };
        var stateFile = new Option<string?>("--state-file") { Description = $"trust file: the last verified state per database; verdicts go to FILE.verdicts.json [default: {AuditorOptions.DefaultStateFile}]", HelpName = "file" };
        var signingKey = new Option<string?>("--server-signing-pub-key") { Description = "PEM public key of the server's state signing key; unsigned or wrongly signed states then fail the audit", HelpName = "file" };
        var metricsPort = new Option<int>("--metrics-port") { Description = "port of the Prometheus endpoint /metrics (0 = a free port)", HelpName = "port", DefaultValueFactory = _ => AuditorOptions.DefaultMetricsPort };
        var metricsAddress = new Option<string>("--metrics-address") { Description = "address of the Prometheus endpoint", HelpName = "address", DefaultValueFactory = _ => "127.0.0.1" };
        var once = new Option<bool>("--once") { Description = "one run, no metrics endpoint; exit code 0 ok, 3 tampered, 4 unreachable, 5 audit failed" };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "trace, debug, information, warning, error, critical or none", HelpName = "level", DefaultValueFactory = _ => LogLevel.Information };

        var command = new Command("audit", "Audit a Cairn (or immudb) server: on an interval, prove that each database only grew since the last run and re-read a " +
            "random sample with verified reads; the verdicts are served as Prometheus metrics. A database found tampered stays reported as tampered.")
        {
            address, user, password, tls.Tls, tls.Ca, tls.Certificate, tls.Key,
            databases, interval, sample, stateFile, signingKey, metricsPort, metricsAddress, once, logLevel,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            AuditorOptions options;
            IPAddress listenAddress;
            try
            {
                var server = tls.Resolve(parse, parse.GetValue(address) ?? Environment.GetEnvironmentVariable("CAIRN_AUDIT_ADDRESS") ?? "127.0.0.1:3322");
                options = new AuditorOptions
                {
                    Address = server.Address,
                    TrustedCertificateAuthorities = server.Authorities,
                    ClientCertificate = server.Certificate,
                    User = parse.GetValue(user) ?? Environment.GetEnvironmentVariable("CAIRN_AUDIT_USER") ?? server.CertificateUser ?? "immudb",

                    // With a client certificate, the certificate is the login.
                    Password = parse.GetValue(password) ?? Environment.GetEnvironmentVariable("CAIRN_AUDIT_PASSWORD")
                        ?? (server.Certificate is not null
                            ? string.Empty
                            : throw new ArgumentException("password: give --password or set CAIRN_AUDIT_PASSWORD (or a client certificate with --tls-cert)")),
                    Databases = parse.GetValue(databases) ?? [],
                    Interval = AuditorOptions.ParseDuration(parse.GetValue(interval)!),
                    SampleSize = parse.GetValue(sample),
                    StateFile = parse.GetValue(stateFile) ?? AuditorOptions.DefaultStateFile,
                    ServerSigningPublicKey = parse.GetValue(signingKey) is { } pem ? StatePublicKey.FromPem(await File.ReadAllTextAsync(pem, cancellationToken).ConfigureAwait(false)) : null,
                };
                options.Validate();
                listenAddress = IPAddress.TryParse(parse.GetValue(metricsAddress), out var parsed)
                    ? parsed
                    : throw new ArgumentException($"metrics-address: '{parse.GetValue(metricsAddress)}' is not an IP address");
                if (parse.GetValue(metricsPort) is < 0 or > 65535)
                {
                    throw new ArgumentException($"metrics-port: {parse.GetValue(metricsPort)} is not a port");
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or IOException or UnauthorizedAccessException or UsageException)
            {
                await Console.Error.WriteLineAsync($"cairn audit: {e.Message}").ConfigureAwait(false);
                return ConfigError;
            }

            return await RunAsync(options, parse.GetValue(once), listenAddress, parse.GetValue(metricsPort), parse.GetValue(logLevel), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(AuditorOptions options, bool once, IPAddress metricsAddress, int metricsPort, LogLevel level, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(level);
            logging.AddFilter("Microsoft", LogLevel.Warning);
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
                o.ColorBehavior = LoggerColorBehavior.Default;
            });
        });
        var logger = loggerFactory.CreateLogger("Cairn.Auditor");
        var metrics = new AuditMetrics();
        CairnAuditor auditor;
        try
        {
            auditor = new CairnAuditor(options, logger, metrics);
        }
        catch (InvalidDataException e)
        {
            CliLog.CannotStart(logger, e.Message);
            return ConfigError;
        }

        using (auditor)
        {
            if (once)
            {
                return (await auditor.RunOnceAsync(cancellationToken).ConfigureAwait(false)).ExitCode;
            }

            MetricsEndpoint endpoint;
            try
            {
                endpoint = await MetricsEndpoint.StartAsync(metrics.Registry, metricsAddress, metricsPort, logger, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                CliLog.CannotStart(logger, $"metrics endpoint {metricsAddress}:{metricsPort}: {e.Message}");
                return ConfigError;
            }

            await using (endpoint.ConfigureAwait(false))
            {
                await auditor.RunAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return 0;
    }
}
