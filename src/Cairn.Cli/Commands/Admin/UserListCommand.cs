// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>admin user list</c>.</summary>
internal static class UserListCommand
{
    public static Command Create(CommandHost host)
    {
        var command = new Command("list", "The users, whether they are active, and their permissions per database.");
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            var users = await client.ListUsersAsync(ct).ConfigureAwait(false);
            session.Output.Render(new UsersView([.. users.Select(ViewOf.User)]));
        });
        return command;
    }
}
