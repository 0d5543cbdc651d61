// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>safeget KEY …</c> (also <c>verifiedget</c>): reads and proves the value is in the trusted history.</summary>
internal static class SafeGetCommand
{
    public static Command Create(CommandHost host)
    {
        var options = new GetOptions();
        var command = new Command("safeget", "The value of KEY, proven to be in the history this client trusts.");
        command.Aliases.Add("verifiedget");
        options.AddTo(command);
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            byte[] key = Bytes.From(parse.GetValue(options.Key)!);
            var entry = parse.GetValue(options.AtTx) is { } atTx ? await client.VerifiedGetAtAsync(key, atTx, ct).ConfigureAwait(false)
                : parse.GetValue(options.SinceTx) is { } sinceTx ? await client.VerifiedGetSinceAsync(key, sinceTx, ct).ConfigureAwait(false)
                : parse.GetValue(options.Revision) is { } revision ? await client.VerifiedGetAtRevisionAsync(key, revision, ct).ConfigureAwait(false)
                : await client.VerifiedGetAsync(key, ct).ConfigureAwait(false);
            session.Output.Render(ViewOf.Entry(entry, verified: true, session.TrustedTx));
        });
        return command;
    }
}
