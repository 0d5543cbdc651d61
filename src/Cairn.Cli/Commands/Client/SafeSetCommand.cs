// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>safeset KEY VALUE</c> (also <c>verifiedset</c>): writes and verifies the tx against the trusted state.</summary>
internal static class SafeSetCommand
{
    public static Command Create(CommandHost host)
    {
        var key = new Argument<string>("KEY") { Description = "the key (UTF-8)" };
        var value = new Argument<string>("VALUE") { Description = "the value (UTF-8)" };
        var command = new Command("safeset", "Set KEY to VALUE and verify that the transaction holds it and extends the trusted history.") { key, value };
        command.Aliases.Add("verifiedset");
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            var header = await client.VerifiedSetAsync(Bytes.From(parse.GetValue(key)!), Bytes.From(parse.GetValue(value)!), ct).ConfigureAwait(false);
            session.Output.Render(ViewOf.Header(header, verified: true, session.TrustedTx));
        });
        return command;
    }
}
