// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>reference KEY TARGET [--at-tx N] [--verified]</c>: makes KEY point at TARGET.</summary>
internal static class ReferenceCommand
{
    public static Command Create(CommandHost host)
    {
        var key = new Argument<string>("KEY") { Description = "the reference's own key" };
        var target = new Argument<string>("TARGET") { Description = "the key it points at" };
        var atTx = new Option<ulong>("--at-tx") { Description = "bind the reference to TARGET's value in this transaction" };
        var verified = new Option<bool>("--verified") { Description = "verify the transaction against the trusted state" };
        var command = new Command("reference", "Make KEY a reference to TARGET: reading KEY reads TARGET.") { key, target, atTx, verified };
        command.Aliases.Add("ref");
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            byte[] k = Bytes.From(parse.GetValue(key)!);
            byte[] t = Bytes.From(parse.GetValue(target)!);
            if (parse.GetValue(verified))
            {
                var header = await client.VerifiedSetReferenceAsync(k, t, parse.GetValue(atTx), ct).ConfigureAwait(false);
                session.Output.Render(ViewOf.Header(header, verified: true, session.TrustedTx));
            }
            else
            {
                session.Output.Render(ViewOf.Header(await client.SetReferenceAsync(k, t, parse.GetValue(atTx), ct).ConfigureAwait(false)));
            }
        });
        return command;
    }
}
