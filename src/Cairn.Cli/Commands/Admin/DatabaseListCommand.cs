// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>admin database list</c>.</summary>
internal static class DatabaseListCommand
{
    public static Command Create(CommandHost host)
    {
        var command = new Command("list", "The databases the user may use, with their sizes.");
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            var databases = await client.ListDatabasesAsync(ct).ConfigureAwait(false);
            session.Output.Render(new DatabasesView([.. databases.Select(d => new DatabaseView(d.Name, d.Loaded, d.NumTransactions, d.DiskSize, d.Name == client.Database))]));
        });
        return command;
    }
}
