// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Server.Configuration;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Cairn.Cli.Commands;

/// <summary><c>cairn serve</c>: runs the server until SIGTERM or Ctrl-C.</summary>
internal static class ServeCommand
{
    /// <summary>Exit code for a configuration that does not allow starting (EX_CONFIG).</summary>
    private const int ConfigError = 78;

    public static Command Create()
    {
        var command = new Command("serve", "Run the Cairn server: immudb's gRPC API on 127.0.0.1:3322, data in ./data.\n" +
            "Settings come from flags, then CAIRN_* environment variables, then the TOML file (--config, else ./cairn.toml), then defaults.");
        var options = new List<(SettingDefinition Definition, Option<string?> Option)>();
        foreach (var definition in SettingDefinitions.All)
        {
            var option = new Option<string?>(definition.Flag)
            {
                Description = $"{definition.Description} [env: {definition.EnvironmentVariable}] [default: {definition.Default}]",
                HelpName = definition.Name == "config" ? "file" : "value",
            };
            options.Add((definition, option));
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var flags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (definition, option) in options)
            {
                if (parse.GetValue(option) is { } value)
                {
                    flags[definition.Name] = value;
                }
            }

            return await RunAsync(flags, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(Dictionary<string, string> flags, CancellationToken cancellationToken)
    {
        ServerSettings settings;
        try
        {
            settings = SettingsLoader.Load(flags, Environment.GetEnvironmentVariables(), Environment.CurrentDirectory);
        }
        catch (SettingsException e)
        {
            await Console.Error.WriteLineAsync($"cairn serve: {e.Message}").ConfigureAwait(false);
            return ConfigError;
        }

        using var loggerFactory = CreateLoggerFactory(settings);
        var logger = loggerFactory.CreateLogger("Cairn.Server");
        foreach (string line in SettingsLoader.Describe(settings))
        {
            CliLog.Setting(logger, line);
        }

        CairnServer server;
        try
        {
            server = await CairnServer.StartAsync(settings, loggerFactory, cancellationToken).ConfigureAwait(false);
        }
        catch (ServerStartException e)
        {
            CliLog.CannotStart(logger, e.Message);
            loggerFactory.Dispose();
            await Console.Error.WriteLineAsync($"cairn serve: {e.Message}").ConfigureAwait(false);
            return ConfigError;
        }

        await using (server.ConfigureAwait(false))
        {
            await server.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return 0;
    }

    private static ILoggerFactory CreateLoggerFactory(ServerSettings settings) => LoggerFactory.Create(logging =>
    {
        logging.SetMinimumLevel(settings.LogLevel);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        if (settings.LogFormat == LogFormat.Json)
        {
            logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
                o.ColorBehavior = LoggerColorBehavior.Default;
            });
        }
    });
}
