// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections;
using Cairn.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Tests;

/// <summary>Flags over environment over the TOML file over defaults, and clear errors for bad values.</summary>
public sealed class SettingsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Defaults_apply_when_nothing_is_given()
    {
        var settings = SettingsLoader.Load(new Dictionary<string, string>(), new Hashtable(), _folder.Path);
        Assert.Equal(Path.Combine(_folder.Path, "data"), settings.DataDirectory);
        Assert.Equal("127.0.0.1", settings.Address);
        Assert.Equal(3322, settings.Port);
        Assert.Equal(32 << 20, settings.MaxRecvMsgSize);
        Assert.Equal(LogFormat.Text, settings.LogFormat);
        Assert.Null(settings.AdminPassword);
        Assert.Null(settings.ConfigFile);
    }

    [Fact]
    public void Flags_beat_environment_which_beats_the_file()
    {
        File.WriteAllText(Path.Combine(_folder.Path, "cairn.toml"), "port = 1111\ndir = \"fromfile\"\nlog-format = \"json\"\nmax-recv-msg-size = \"4m\"\nsession-timeout = \"90s\"\n");
        var env = new Hashtable { ["CAIRN_PORT"] = "2222", ["CAIRN_LOG_LEVEL"] = "debug" };

        var fileOnly = SettingsLoader.Load(new Dictionary<string, string>(), new Hashtable(), _folder.Path);
        Assert.Equal(1111, fileOnly.Port);
        Assert.Equal(Path.Combine(_folder.Path, "fromfile"), fileOnly.DataDirectory);
        Assert.Equal(LogFormat.Json, fileOnly.LogFormat);
        Assert.Equal(4 << 20, fileOnly.MaxRecvMsgSize);
        Assert.Equal(TimeSpan.FromSeconds(90), fileOnly.SessionTimeout);
        Assert.Equal(Path.Combine(_folder.Path, "cairn.toml"), fileOnly.ConfigFile);

        var withEnv = SettingsLoader.Load(new Dictionary<string, string>(), env, _folder.Path);
        Assert.Equal(2222, withEnv.Port);
        Assert.Equal(LogLevel.Debug, withEnv.LogLevel);

        var withFlag = SettingsLoader.Load(new Dictionary<string, string> { ["port"] = "3333" }, env, _folder.Path);
        Assert.Equal(3333, withFlag.Port);
        Assert.Equal(LogLevel.Debug, withFlag.LogLevel);
    }

    [Fact]
    public void The_config_file_can_be_named_by_flag_or_environment()
    {
        string custom = Path.Combine(_folder.Path, "custom.toml");
        File.WriteAllText(custom, "address = \"0.0.0.0\"\n");
        Assert.Equal("0.0.0.0", SettingsLoader.Load(new Dictionary<string, string> { ["config"] = custom }, new Hashtable(), _folder.Path).Address);
        Assert.Equal("0.0.0.0", SettingsLoader.Load(new Dictionary<string, string>(), new Hashtable { ["CAIRN_CONFIG"] = custom }, _folder.Path).Address);
        var e = Assert.Throws<SettingsException>(() => SettingsLoader.Load(new Dictionary<string, string> { ["config"] = "missing.toml" }, new Hashtable(), _folder.Path));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("port", "-1", "port: '-1' is not a whole number from 0 to 65535")]
    [InlineData("max-recv-msg-size", "lots", "max-recv-msg-size: 'lots' is not a size")]
    [InlineData("log-format", "xml", "log-format: 'xml' must be one of text, json")]
    [InlineData("session-timeout", "0s", "session-timeout: '0s' is not a duration")]
    [InlineData("audit-batch-delay", "2s", "audit-batch-delay: '2s' is outside 1ms to 1000ms")]
    [InlineData("audit-batch-delay", "soon", "audit-batch-delay: 'soon' is not a duration")]
    public void Bad_values_name_the_setting_the_rule_and_the_source(string name, string value, string message)
    {
        var e = Assert.Throws<SettingsException>(() => SettingsLoader.Load(new Dictionary<string, string> { [name] = value }, new Hashtable(), _folder.Path));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.EndsWith($"(from flag --{name})", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_toml_is_reported_with_the_file()
    {
        File.WriteAllText(Path.Combine(_folder.Path, "cairn.toml"), "port = = 3\n");
        var e = Assert.Throws<SettingsException>(() => SettingsLoader.Load(new Dictionary<string, string>(), new Hashtable(), _folder.Path));
        Assert.Contains("is not valid TOML", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_port_and_address_default_to_9497_on_the_grpc_address_and_can_be_turned_off()
    {
        var defaults = SettingsLoader.Load(new Dictionary<string, string>(), new Hashtable(), _folder.Path);
        Assert.Equal(9497, defaults.MetricsPort);
        Assert.Null(defaults.MetricsAddress);
        Assert.Contains("metrics-port = 9497", SettingsLoader.Describe(defaults));

        var env = new Hashtable { ["CAIRN_METRICS_PORT"] = "0", ["CAIRN_METRICS_ADDRESS"] = "0.0.0.0" };
        var fromEnv = SettingsLoader.Load(new Dictionary<string, string>(), env, _folder.Path);
        Assert.Equal(0, fromEnv.MetricsPort);
        Assert.Equal("0.0.0.0", fromEnv.MetricsAddress);

        Assert.Null(SettingsLoader.Load(new Dictionary<string, string> { ["metrics-port"] = "off" }, env, _folder.Path).MetricsPort);
        Assert.Contains("metrics-port = off", SettingsLoader.Describe(SettingsLoader.Load(new Dictionary<string, string> { ["metrics-port"] = "OFF" }, env, _folder.Path)));

        File.WriteAllText(Path.Combine(_folder.Path, "cairn.toml"), "metrics-port = 9100\n");
        Assert.Equal(9100, SettingsLoader.Load(new Dictionary<string, string>(), new Hashtable(), _folder.Path).MetricsPort);
        File.WriteAllText(Path.Combine(_folder.Path, "cairn.toml"), "metrics-port = false\n");
        Assert.Null(SettingsLoader.Load(new Dictionary<string, string>(), new Hashtable(), _folder.Path).MetricsPort);

        var e = Assert.Throws<SettingsException>(() => SettingsLoader.Load(new Dictionary<string, string> { ["metrics-port"] = "none" }, new Hashtable(), _folder.Path));
        Assert.Equal("metrics-port: 'none' is not a port from 0 to 65535 or 'off' (from flag --metrics-port)", e.Message);
    }
}
