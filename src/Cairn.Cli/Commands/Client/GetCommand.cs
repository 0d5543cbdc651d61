// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>get KEY [--at-tx N | --since-tx N | --revision N]</c>: reads without verification.</summary>
internal static class GetCommand
{
    public static Command Create(CommandHost host)
    {
        var options = new GetOptions();
        var command = new Command("get", "The value of KEY (latest, at a tx, since a tx or at a revision; not verified, see safeget).");
        options.AddTo(command);
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            byte[] key = Bytes.From(parse.GetValue(options.Key)!);
            var entry = parse.GetValue(options.AtTx) is { } atTx ? await client.GetAtAsync(key, atTx, ct).ConfigureAwait(false)
                : parse.GetValue(options.SinceTx) is { } sinceTx ? await client.GetSinceAsync(key, sinceTx, ct).ConfigureAwait(false)
                : parse.GetValue(options.Revision) is { } revision ? await client.GetAtRevisionAsync(key, revision, ct).ConfigureAwait(false)
                : await client.GetAsync(key, ct).ConfigureAwait(false);
            session.Output.Render(ViewOf.Entry(entry));
        });
        return command;
    }
}
