// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>scan [PREFIX]</c>: keys in order with their latest values.</summary>
internal static class ScanCommand
{
    public static Command Create(CommandHost host)
    {
        var prefix = new Argument<string?>("PREFIX") { Description = "only keys that start with it", Arity = ArgumentArity.ZeroOrOne };
        var seek = new Option<string?>("--seek") { Description = "start after this key" };
        var limit = new Option<ulong>("--limit") { Description = "at most this many keys (0: the server's limit)" };
        var desc = new Option<bool>("--desc") { Description = "in descending order" };
        var command = new Command("scan", "Keys (with PREFIX) in order, the latest value of each.") { prefix, seek, limit, desc };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            var entries = await client.ScanAsync(
                parse.GetValue(prefix) is { } p ? Bytes.From(p) : null,
                parse.GetValue(seek) is { } s ? Bytes.From(s) : null,
                desc: parse.GetValue(desc),
                limit: parse.GetValue(limit),
                cancellationToken: ct).ConfigureAwait(false);
            session.Output.Render(new EntriesView([.. entries.Select(e => ViewOf.Entry(e))]));
        });
        return command;
    }
}
