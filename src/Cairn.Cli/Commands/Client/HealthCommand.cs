// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary><c>health</c>: whether the server answers (no login).</summary>
internal static class HealthCommand
{
    public static Command Create(CommandHost host)
    {
        var command = new Command("health", "Whether the server answers, and its version (needs no login).");
        host.SetAction(command, async (parse, session, ct) =>
        {
            var (healthy, version) = await session.Anonymous.HealthAsync(ct).ConfigureAwait(false);
            session.Output.Render(new HealthView(healthy, version));
        });
        return command;
    }
}
