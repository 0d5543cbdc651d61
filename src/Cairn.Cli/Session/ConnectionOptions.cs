// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Session;

/// <summary>
/// The flags shared by <c>cairn client</c> and <c>cairn admin</c>, valid on every subcommand. Each falls back to an
/// environment variable, then a default. The variables differ from the server's (<c>CAIRN_ADDRESS</c> is where
/// <c>cairn serve</c> listens, <c>CAIRN_TLS_CERT</c> its certificate), so one shell can run both.
/// </summary>
internal sealed class ConnectionOptions
{
    /// <summary>Without a scheme: <c>http://</c>, or <c>https://</c> with TLS.</summary>
    public const string DefaultAddress = "127.0.0.1:3322";

    public Option<string?> Address { get; } = Recursive("--address", "CAIRN_SERVER", "the server: host:port, http://host:port or https://host:port (TLS)",
        $"[default: {DefaultAddress}]");

    public Option<string?> User { get; } = Recursive("--user", "CAIRN_USER", "the user to log in as", "[default: the CN of --tls-cert, else immudb]");

    public Option<string?> Password { get; } = Recursive("--password", "CAIRN_PASSWORD",
        "the password (asked without echo on a terminal when not given; none with --tls-cert)", string.Empty);

    public Option<string?> Database { get; } = Recursive("--database", "CAIRN_DATABASE", "the database to use", "[default: defaultdb]");

    public Option<string?> StateFile { get; } = Recursive("--state-file", "CAIRN_STATE_FILE", "where verified states are kept between runs", "[default: ~/.cairn/state.json]");

    public Option<string?> SigningKey { get; } = Recursive("--server-signing-pub-key", "CAIRN_SERVER_SIGNING_PUB_KEY",
        "PEM file of the server's state-signing public key; every trusted state must then be signed by it", string.Empty);

    public Option<string?> Output { get; } = CreateOutput();

    /// <summary>--tls, --tls-ca, --tls-cert and --tls-key, with the variables CAIRN_CLIENT_TLS*.</summary>
    public TlsOptions Tls { get; } = new("CAIRN_CLIENT", recursive: true);

    /// <summary>Adds every flag to <paramref name="command"/> (and, being recursive, to its subcommands).</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Address, User, Password, Database, StateFile, SigningKey, Output }.Concat(Tls.All))
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Adds only the login flags (--user, --password, --database): what a shell line may carry, for <c>login</c>.</summary>
    public void AddLoginTo(Command command)
    {
        foreach (var option in new[] { User, Password, Database })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The settings of one invocation: flags, then environment variables, then defaults.</summary>
    public ConnectionSettings Resolve(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var tls = Tls.Resolve(parse, Value(parse, Address, "CAIRN_SERVER") ?? DefaultAddress);
        string format = Value(parse, Output, "CAIRN_OUTPUT") ?? "table";
        return new ConnectionSettings(
            tls,
            Value(parse, User, "CAIRN_USER") ?? tls.CertificateUser ?? "immudb",
            Value(parse, Password, "CAIRN_PASSWORD"),
            Value(parse, Database, "CAIRN_DATABASE") ?? "defaultdb",
            Value(parse, StateFile, "CAIRN_STATE_FILE") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cairn", "state.json"),
            Value(parse, SigningKey, "CAIRN_SERVER_SIGNING_PUB_KEY"),
            format switch
            {
                "table" => OutputFormat.Table,
                "json" => OutputFormat.Json,
                _ => throw new UsageException($"--output must be table or json, not '{format}'"),
            });
    }

    private static string? Value(ParseResult parse, Option<string?> option, string variable) =>
        parse.GetValue(option) is { Length: > 0 } given ? given : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } set ? set : null;

    private static Option<string?> Recursive(string name, string variable, string description, string defaultText) => new(name)
    {
        Description = $"{description} [env: {variable}] {defaultText}".TrimEnd(),
        Recursive = true,
    };

    private static Option<string?> CreateOutput()
    {
        var option = Recursive("--output", "CAIRN_OUTPUT", "table (readable) or json (one document per command)", "[default: table]");
        option.Aliases.Add("-o");
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }
}

/// <summary>Where and as whom to connect, and how to print.</summary>
internal sealed record ConnectionSettings(ClientTls Tls, string User, string? Password, string Database, string StateFile, string? SigningKeyFile, OutputFormat Output)
{
    /// <summary>The server, with its scheme.</summary>
    public string Address => Tls.Address;
}
