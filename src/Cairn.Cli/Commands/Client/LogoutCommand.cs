// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>logout</c>: ends the login (immudb ends every token of the user).</summary>
internal static class LogoutCommand
{
    public static Command Create(CommandHost host)
    {
        var command = new Command("logout", "Log out; in the shell, later commands need a new login.");
        host.SetAction(command, async (parse, session, ct) =>
        {
            await session.ConnectAsync(ct).ConfigureAwait(false);
            await session.LogoutAsync(ct).ConfigureAwait(false);
            session.Output.Render(new DoneView("logged out"));
        });
        return command;
    }
}
