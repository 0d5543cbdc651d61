// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>set KEY VALUE</c>: writes without verification.</summary>
internal static class SetCommand
{
    public static Command Create(CommandHost host)
    {
        var key = new Argument<string>("KEY") { Description = "the key (UTF-8)" };
        var value = new Argument<string>("VALUE") { Description = "the value (UTF-8)" };
        var command = new Command("set", "Set KEY to VALUE (the server's word is taken; see safeset).") { key, value };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            var header = await client.SetAsync(Bytes.From(parse.GetValue(key)!), Bytes.From(parse.GetValue(value)!), cancellationToken: ct).ConfigureAwait(false);
            session.Output.Render(ViewOf.Header(header));
        });
        return command;
    }
}
