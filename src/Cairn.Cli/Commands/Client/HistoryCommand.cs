// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>history KEY</c>: every version of a key.</summary>
internal static class HistoryCommand
{
    public static Command Create(CommandHost host)
    {
        var key = new Argument<string>("KEY") { Description = "the key (UTF-8)" };
        var limit = new Option<int>("--limit") { Description = "at most this many versions (0: the server's limit)" };
        var offset = new Option<ulong>("--offset") { Description = "skip this many versions" };
        var desc = new Option<bool>("--desc") { Description = "newest first" };
        var command = new Command("history", "Every version of KEY, oldest first.") { key, limit, offset, desc };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            var entries = await client.HistoryAsync(Bytes.From(parse.GetValue(key)!), parse.GetValue(offset), parse.GetValue(limit), parse.GetValue(desc), ct).ConfigureAwait(false);
            session.Output.Render(new EntriesView([.. entries.Select(e => ViewOf.Entry(e))]));
        });
        return command;
    }
}
