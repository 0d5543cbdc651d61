// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>zscan SET</c>: members of a sorted set by score.</summary>
internal static class ZScanCommand
{
    public static Command Create(CommandHost host)
    {
        var set = new Argument<string>("SET") { Description = "the sorted set" };
        var min = new Option<double?>("--min") { Description = "lowest score" };
        var max = new Option<double?>("--max") { Description = "highest score" };
        var limit = new Option<ulong>("--limit") { Description = "at most this many members (0: the server's limit)" };
        var desc = new Option<bool>("--desc") { Description = "highest score first" };
        var command = new Command("zscan", "Members of sorted SET by score, with their values.") { set, min, max, limit, desc };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            var members = await client.ZScanAsync(Bytes.From(parse.GetValue(set)!), parse.GetValue(min), parse.GetValue(max), parse.GetValue(desc), parse.GetValue(limit), ct).ConfigureAwait(false);
            session.Output.Render(new ZEntriesView([.. members.Select(ViewOf.ZEntry)]));
        });
        return command;
    }
}
