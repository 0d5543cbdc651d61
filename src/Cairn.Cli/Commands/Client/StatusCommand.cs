// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>status</c> (also <c>current</c>): the database's current state, proven to extend the trusted one.</summary>
internal static class StatusCommand
{
    public static Command Create(CommandHost host)
    {
        var command = new Command("status", "The current state of the database, proven to extend the state this client trusts (trusted on first use).");
        command.Aliases.Add("current");
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            session.Output.Render(ViewOf.State(await client.VerifiedStateAsync(ct).ConfigureAwait(false), verified: true));
        });
        return command;
    }
}
