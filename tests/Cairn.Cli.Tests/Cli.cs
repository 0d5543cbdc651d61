// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;
using System.Text.Json;
using Cairn.Server.Tests;

namespace Cairn.Cli.Tests;

/// <summary>What a run of <c>cairn</c> printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout as one JSON document.</summary>
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

    /// <summary>Stdout as one JSON document per line (the shell in json mode).</summary>
    public IReadOnlyList<JsonElement> JsonLines => [.. Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs the real <c>cairn</c> process with arguments, environment and standard input, as a user or script would.</summary>
public static class Cli
{
    public static async Task<CliResult> RunAsync(IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? stdin = null)
    {
        var start = new ProcessStartInfo("dotnet", [ServerProcess.CairnDll, .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };

        // Only what the test sets: no CAIRN_* from the environment the tests run in, and no home folder state.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("CAIRN_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>One server for a test class, and the environment that points the CLI at it with its own state file.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    // Created here, removed with the server in DisposeAsync (xunit disposes fixtures through IAsyncLifetime).
    private readonly string _folder = Directory.CreateTempSubdirectory("cairn-cli-tests-").FullName;

    public ServerProcess Server { get; private set; } = null!;

    public string Address => $"http://127.0.0.1:{Server.Port}";

    public string StateFile => Path.Combine(_folder, "state.json");

    public string Folder => _folder;

    /// <summary>CAIRN_SERVER, CAIRN_PASSWORD (the admin's) and CAIRN_STATE_FILE, plus <paramref name="extra"/>.</summary>
    public Dictionary<string, string> Environment(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["CAIRN_SERVER"] = Address,
            ["CAIRN_PASSWORD"] = ServerProcess.AdminPassword,
            ["CAIRN_STATE_FILE"] = StateFile,
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return environment;
    }

    public Task<CliResult> RunAsync(params string[] arguments) => Cli.RunAsync(arguments, Environment());

    public async Task InitializeAsync() => Server = await ServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
