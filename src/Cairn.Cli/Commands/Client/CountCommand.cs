// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>count PREFIX</c>: how many keys start with a prefix.</summary>
internal static class CountCommand
{
    public static Command Create(CommandHost host)
    {
        var prefix = new Argument<string>("PREFIX") { Description = "the prefix (UTF-8)" };
        var command = new Command("count", "How many keys start with PREFIX.") { prefix };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            string text = parse.GetValue(prefix)!;
            session.Output.Render(new CountView(text, await client.CountAsync(Bytes.From(text), ct).ConfigureAwait(false)));
        });
        return command;
    }
}
