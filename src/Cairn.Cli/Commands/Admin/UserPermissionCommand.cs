// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>admin user permission grant|revoke NAME --permission P [--database D]</c>.</summary>
internal static class UserPermissionCommand
{
    public static Command Create(CommandHost host)
    {
        var command = new Command("permission", "Grant or revoke a user's permission on the database of --database.");
        command.Subcommands.Add(Change(host, grant: true));
        command.Subcommands.Add(Change(host, grant: false));
        return command;
    }

    private static Command Change(CommandHost host, bool grant)
    {
        var name = new Argument<string>("NAME") { Description = "the user" };
        var permission = Permissions.CreateOption();
        var command = grant
            ? new Command("grant", "Grant the permission (replacing the user's earlier one on that database).") { name, permission }
            : new Command("revoke", "Revoke the user's permission on the database.") { name, permission };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            string user = parse.GetValue(name)!;
            string database = session.Settings.Database;
            await client.ChangePermissionAsync(user, database, Permissions.Parse(parse.GetValue(permission)!), grant, ct).ConfigureAwait(false);
            session.Output.Render(new DoneView(grant
                ? $"granted {parse.GetValue(permission)} on {database} to {user}"
                : $"revoked {parse.GetValue(permission)} on {database} from {user}"));
        });
        return command;
    }
}
