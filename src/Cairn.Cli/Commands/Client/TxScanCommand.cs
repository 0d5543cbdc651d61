// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>txscan FROM [--limit N] [--desc]</c>: transactions from an id on.</summary>
internal static class TxScanCommand
{
    public static Command Create(CommandHost host)
    {
        var from = new Argument<ulong>("FROM") { Description = "the first transaction id" };
        var limit = new Option<uint>("--limit") { Description = "at most this many transactions (0: the server's limit)" };
        var desc = new Option<bool>("--desc") { Description = "from FROM backwards" };
        var command = new Command("txscan", "Transactions from FROM on, with their keys.") { from, limit, desc };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            var txs = await client.TxScanAsync(parse.GetValue(from), parse.GetValue(limit), parse.GetValue(desc), ct).ConfigureAwait(false);
            session.Output.Render(new TxsView([.. txs.Select(t => ViewOf.Tx(t))]));
        });
        return command;
    }
}
