// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>zadd SET SCORE KEY [--at-tx N] [--verified]</c>: adds a key to a sorted set.</summary>
internal static class ZAddCommand
{
    public static Command Create(CommandHost host)
    {
        var set = new Argument<string>("SET") { Description = "the sorted set" };
        var score = new Argument<double>("SCORE") { Description = "the member's score" };
        var key = new Argument<string>("KEY") { Description = "the member (an existing key)" };
        var atTx = new Option<ulong>("--at-tx") { Description = "bind the member to KEY's value in this transaction" };
        var verified = new Option<bool>("--verified") { Description = "verify the transaction against the trusted state" };
        var command = new Command("zadd", "Add KEY to sorted SET with SCORE.") { set, score, key, atTx, verified };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            byte[] s = Bytes.From(parse.GetValue(set)!);
            byte[] k = Bytes.From(parse.GetValue(key)!);
            if (parse.GetValue(verified))
            {
                var header = await client.VerifiedZAddAsync(s, parse.GetValue(score), k, parse.GetValue(atTx), ct).ConfigureAwait(false);
                session.Output.Render(ViewOf.Header(header, verified: true, session.TrustedTx));
            }
            else
            {
                session.Output.Render(ViewOf.Header(await client.ZAddAsync(s, parse.GetValue(score), k, parse.GetValue(atTx), ct).ConfigureAwait(false)));
            }
        });
        return command;
    }
}
