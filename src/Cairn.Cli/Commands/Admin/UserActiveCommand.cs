// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>admin user activate NAME</c> and <c>admin user deactivate NAME</c>.</summary>
internal static class UserActiveCommand
{
    public static Command Create(CommandHost host, bool active)
    {
        var name = new Argument<string>("NAME") { Description = "the user" };
        var command = active
            ? new Command("activate", "Let user NAME log in again.") { name }
            : new Command("deactivate", "Stop user NAME from logging in; its sessions end.") { name };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            string user = parse.GetValue(name)!;
            await client.SetActiveUserAsync(user, active, ct).ConfigureAwait(false);
            session.Output.Render(new DoneView($"{(active ? "activated" : "deactivated")} user {user}"));
        });
        return command;
    }
}
