// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections;
using System.Globalization;
using Tomlyn;
using Tomlyn.Model;

namespace Cairn.Server.Configuration;

/// <summary>
/// Builds the effective settings from four layers, each overriding the one before: defaults, the TOML file
/// (<c>--config</c>, else <c>./cairn.toml</c> when present), <c>CAIRN_*</c> environment variables, flags.
/// </summary>
public static class SettingsLoader
{
    /// <summary>The file read when no <c>--config</c> is given, if it exists.</summary>
    public const string DefaultConfigFile = "cairn.toml";

    /// <summary>Loads the settings.</summary>
    /// <param name="flags">Flag values given on the command line, by setting name.</param>
    /// <param name="environment">Environment variables (usually <see cref="Environment.GetEnvironmentVariables()"/>).</param>
    /// <param name="workingDirectory">Where relative paths and the default config file are looked up.</param>
    /// <exception cref="SettingsException">A value is invalid or the file cannot be read; the message says which and why.</exception>
    public static ServerSettings Load(IReadOnlyDictionary<string, string> flags, IDictionary environment, string workingDirectory)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry pair in environment)
        {
            if (pair.Key is string key && pair.Value is string value && key.StartsWith("CAIRN_", StringComparison.Ordinal))
            {
                env[key] = value;
            }
        }

        string? configPath = flags.GetValueOrDefault(SettingDefinitions.Config.Name) ?? env.GetValueOrDefault(SettingDefinitions.Config.EnvironmentVariable);
        bool explicitConfig = configPath is not null;
        configPath = Path.GetFullPath(configPath ?? DefaultConfigFile, workingDirectory);

        var settings = new ServerSettings();
        if (File.Exists(configPath))
        {
            settings = ApplyFile(settings, configPath);
        }
        else if (explicitConfig)
        {
            throw new SettingsException($"config: file {configPath} does not exist");
        }

        foreach (var definition in SettingDefinitions.All)
        {
            if (definition == SettingDefinitions.Config)
            {
                continue;
            }

            if (env.TryGetValue(definition.EnvironmentVariable, out string? fromEnv))
            {
                settings = Apply(settings, definition, fromEnv, $"environment variable {definition.EnvironmentVariable}");
            }

            if (flags.TryGetValue(definition.Name, out string? fromFlag))
            {
                settings = Apply(settings, definition, fromFlag, $"flag {definition.Flag}");
            }
        }

        foreach (string unknown in env.Keys.Where(k => k != SettingDefinitions.Config.EnvironmentVariable && SettingDefinitions.All.All(d => d.EnvironmentVariable != k)))
        {
            // Not fatal: other tools may share the prefix; but a typo should not go unnoticed.
            Console.Error.WriteLine($"cairn: ignoring unknown environment variable {unknown}");
        }

        return settings with
        {
            DataDirectory = Path.GetFullPath(settings.DataDirectory, workingDirectory),
            SigningKeyPath = FullPath(settings.SigningKeyPath, workingDirectory),
            TlsCertificatePath = FullPath(settings.TlsCertificatePath, workingDirectory),
            TlsKeyPath = FullPath(settings.TlsKeyPath, workingDirectory),
            TlsClientCaPath = FullPath(settings.TlsClientCaPath, workingDirectory),
            UsersFile = FullPath(settings.UsersFile, workingDirectory),
            AuditLog = FullPath(settings.AuditLog, workingDirectory),
        };
    }

    /// <summary>The effective settings as lines for the start-up log, secrets hidden.</summary>
    public static IEnumerable<string> Describe(ServerSettings settings)
    {
        yield return $"dir = {settings.DataDirectory}";
        yield return $"address = {settings.Address}";
        yield return $"port = {settings.Port}";
        yield return $"grpc = {(settings.GrpcEnabled ? "on" : "off")}";
        yield return $"tls-cert = {settings.TlsCertificatePath ?? "(none: plaintext)"}";
        yield return $"tls-key = {settings.TlsKeyPath ?? "(none)"}";
        yield return $"tls-client-ca = {settings.TlsClientCaPath ?? "(none: no client certificates)"}";
        yield return $"metrics-port = {(settings.MetricsPort is { } metricsPort ? metricsPort.ToString(CultureInfo.InvariantCulture) : "off")}";
        yield return $"metrics-address = {settings.MetricsAddress ?? "(same as address)"}";
        yield return $"admin-password = {(settings.AdminPassword is null ? "(not given)" : "(given)")}";
        yield return $"signing-key = {settings.SigningKeyPath ?? "(none)"}";
        yield return $"max-recv-msg-size = {settings.MaxRecvMsgSize}";
        yield return $"max-send-msg-size = {settings.MaxSendMsgSize}";
        yield return $"log-format = {settings.LogFormat.ToString().ToLowerInvariant()}";
        yield return $"log-level = {settings.LogLevel.ToString().ToLowerInvariant()}";
        yield return $"session-timeout = {settings.SessionTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
        yield return $"max-sessions = {settings.MaxSessions}";
        yield return $"token-lifetime = {Seconds(settings.TokenLifetime)}";
        yield return $"login-throttle-failures = {(settings.LoginThrottleFailures == 0 ? "off" : settings.LoginThrottleFailures.ToString(CultureInfo.InvariantCulture))}";
        yield return $"login-throttle-base = {Seconds(settings.LoginThrottleBase)}";
        yield return $"login-throttle-max = {Seconds(settings.LoginThrottleMax)}";
        yield return $"users-file = {settings.UsersFile ?? "(none)"}";
        yield return $"max-key-length = {settings.MaxKeyLength}";
        yield return $"max-value-length = {settings.MaxValueLength}";
        yield return $"max-tx-entries = {settings.MaxTxEntries}";
        yield return $"max-scan-limit = {settings.MaxScanLimit}";
        yield return $"audit = {(settings.Audit ? "on" : "off")}";
        yield return $"audit-log = {settings.AuditLog ?? "(none)"}";
        yield return $"audit-queue = {settings.AuditQueue}";
        yield return $"audit-batch-delay = {settings.AuditBatchDelay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
        yield return $"provenance = {(settings.Provenance ? "on" : "off")}";
        yield return $"provenance-off-databases = {(settings.ProvenanceOffDatabases.Count == 0 ? "(none)" : string.Join(",", settings.ProvenanceOffDatabases))}";
        yield return $"config = {settings.ConfigFile ?? "(none)"}";
    }

    private static string? FullPath(string? path, string workingDirectory) => path is null ? null : Path.GetFullPath(path, workingDirectory);

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";

    private static ServerSettings ApplyFile(ServerSettings settings, string path)
    {
        TomlTable table;
        try
        {
            table = TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(path)) ?? new TomlTable();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"config: cannot read {path}: {e.Message}");
        }
        catch (Exception e) when (e is not SettingsException)
        {
            throw new SettingsException($"config: {path} is not valid TOML: {e.Message}");
        }

        settings = settings with { ConfigFile = path };
        foreach (var (key, value) in table)
        {
            var definition = SettingDefinitions.All.FirstOrDefault(d => d.Name == key && d != SettingDefinitions.Config)
                ?? throw new SettingsException($"config: unknown setting '{key}' in {path} (known: {string.Join(", ", SettingDefinitions.All.Where(d => d != SettingDefinitions.Config).Select(d => d.Name))})");
            string text = value switch
            {
                string s => s,
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => throw new SettingsException($"config: setting '{key}' in {path} must be a string or a number"),
            };
            settings = Apply(settings, definition, text, $"'{key}' in {path}");
        }

        return settings;
    }

    private static ServerSettings Apply(ServerSettings settings, SettingDefinition definition, string value, string source)
    {
        try
        {
            return definition.Apply(settings, value);
        }
        catch (SettingsException e)
        {
            throw new SettingsException($"{e.Message} (from {source})");
        }
    }
}
