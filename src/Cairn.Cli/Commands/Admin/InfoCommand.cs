// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>admin info</c>: the server's version and totals.</summary>
internal static class InfoCommand
{
    public static Command Create(CommandHost host)
    {
        var command = new Command("info", "The server's version, start time, transactions, databases and disk size.");
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            var info = await client.ServerInfoAsync(ct).ConfigureAwait(false);
            session.Output.Render(new ServerInfoView(info.Version, info.StartedAt, info.NumTransactions, info.NumDatabases, info.DatabasesDiskSize));
        });
        return command;
    }
}
