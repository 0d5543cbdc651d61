// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>tx ID [--verified]</c>: one transaction and its entries.</summary>
internal static class TxCommand
{
    public static Command Create(CommandHost host)
    {
        var id = new Argument<ulong>("ID") { Description = "the transaction id" };
        var verified = new Option<bool>("--verified") { Description = "check its entries against its header and link it to the trusted state" };
        var command = new Command("tx", "Transaction ID: its header and entries (keys and value hashes).") { id, verified };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(verified))
            {
                var tx = await client.VerifiedTxByIdAsync(parse.GetValue(id), ct).ConfigureAwait(false);
                session.Output.Render(ViewOf.Tx(tx, verified: true, session.TrustedTx));
            }
            else
            {
                session.Output.Render(ViewOf.Tx(await client.TxByIdAsync(parse.GetValue(id), ct).ConfigureAwait(false)));
            }
        });
        return command;
    }
}
