// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;

namespace Cairn.Cli.Commands;

/// <summary><c>cairn serve</c>: runs the server.</summary>
internal static class ServeCommand
{
    /// <summary>Exit code when the server cannot run (EX_UNAVAILABLE).</summary>
    private const int Unavailable = 69;

    public static Command Create()
    {
        var dir = new Option<string>("--dir")
        {
            Description = "Data folder (env CAIRN_DIR).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CAIRN_DIR") ?? "./data",
        };
        var command = new Command("serve", "Run the Cairn server (gRPC immudb API on 127.0.0.1:3322).") { dir };
        command.SetAction(parse =>
        {
            string folder = Path.GetFullPath(parse.GetValue(dir)!);
            Console.Error.WriteLine($"cairn serve: the server is not built yet (the embedded engine is; the gRPC server comes next); data folder would be {folder}.");
            return Unavailable;
        });
        return command;
    }
}
