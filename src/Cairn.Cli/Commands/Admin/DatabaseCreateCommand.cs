// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>admin database create NAME</c>.</summary>
internal static class DatabaseCreateCommand
{
    public static Command Create(CommandHost host)
    {
        var name = new Argument<string>("NAME") { Description = "the new database" };
        var command = new Command("create", "Create database NAME (CREATE_DATABASE, which a sysadmin holds; a creator who is not a sysadmin becomes its admin).") { name };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            await client.CreateDatabaseAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            session.Output.Render(new DoneView($"created database {parse.GetValue(name)}"));
        });
        return command;
    }
}
