// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>use DATABASE</c>: selects the database of later commands (in the shell; one-shot commands take --database).</summary>
internal static class UseCommand
{
    public static Command Create(CommandHost host)
    {
        var database = new Argument<string>("DATABASE") { Description = "the database" };
        var command = new Command("use", "Use DATABASE for the following commands.") { database };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            await client.UseDatabaseAsync(parse.GetValue(database)!, ct).ConfigureAwait(false);
            session.Output.Render(new DoneView($"using database {client.Database}"));
        });
        return command;
    }
}
