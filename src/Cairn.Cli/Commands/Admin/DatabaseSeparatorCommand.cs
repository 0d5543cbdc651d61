// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>admin database separator NAME [CHAR]</c>: shows or sets what splits keys into segments for key patterns.</summary>
internal static class DatabaseSeparatorCommand
{
    public static Command Create(CommandHost host)
    {
        var name = new Argument<string>("NAME") { Description = "the database" };
        var separator = new Argument<string?>("CHAR")
        {
            Description = "the new separator: one printable ASCII character other than '*' (leave out to show it)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("separator", "Show or set the key separator of database NAME used by key patterns (default '.'; setting needs GRANT on it).") { name, separator };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            string database = parse.GetValue(name)!;
            string? wanted = parse.GetValue(separator);
            if (wanted is null)
            {
                char current = await client.GetKeySeparatorAsync(database, ct).ConfigureAwait(false);
                session.Output.Render(new DoneView($"database {database} key separator '{current}'"));
                return;
            }

            if (wanted.Length != 1)
            {
                throw new UsageException("the key separator must be exactly one character");
            }

            await client.SetKeySeparatorAsync(database, wanted[0], ct).ConfigureAwait(false);
            session.Output.Render(new DoneView($"database {database} key separator set to '{wanted}'"));
        });
        return command;
    }
}
