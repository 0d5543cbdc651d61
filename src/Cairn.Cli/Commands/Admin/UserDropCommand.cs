// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>admin user drop NAME</c>.</summary>
internal static class UserDropCommand
{
    public static Command Create(CommandHost host)
    {
        var name = new Argument<string>("NAME") { Description = "the user" };
        var command = new Command("drop", "Drop user NAME: its sessions end and it can no longer log in; its history stays (DROP_USER).") { name };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            string user = parse.GetValue(name)!;
            await client.DropUserAsync(user, ct).ConfigureAwait(false);
            session.Output.Render(new DoneView($"dropped user {user}"));
        });
        return command;
    }
}
