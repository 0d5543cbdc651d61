// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Session;
using Cairn.Cli.Shell;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>cairn client</c>: one-shot data commands, or the shell when no command is given.</summary>
internal static class ClientCommand
{
    /// <summary>The data commands, the same in one-shot mode and in the shell.</summary>
    public static IReadOnlyList<Func<CommandHost, Command>> Commands { get; } =
    [
        LoginCommand.Create, LogoutCommand.Create, UseCommand.Create,
        SetCommand.Create, GetCommand.Create, SafeSetCommand.Create, SafeGetCommand.Create,
        HistoryCommand.Create, ScanCommand.Create, CountCommand.Create, ReferenceCommand.Create,
        ZAddCommand.Create, ZScanCommand.Create, TxCommand.Create, TxScanCommand.Create,
        StatusCommand.Create, HealthCommand.Create,
    ];

    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var host = CommandHost.OneShot(connection);
        var command = new Command("client", "Read and write data: one command (cairn client set k v), or the shell without one.\n" +
            "Exit codes: 0 ok, 1 refused by the server, 2 usage, 3 integrity failure, 4 connection failure, 5 authentication or permission.");
        connection.AddTo(command);
        foreach (var create in Commands)
        {
            command.Subcommands.Add(create(host));
        }

        var shell = new Command("shell", "The interactive shell (the default): line editing and history on a terminal, one command per line from a pipe.");
        shell.SetAction((parse, ct) => ClientShell.RunAsync(connection, parse, ct));
        command.Subcommands.Add(shell);
        command.SetAction((parse, ct) => ClientShell.RunAsync(connection, parse, ct));
        return command;
    }
}
