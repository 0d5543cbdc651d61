// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>admin role create|drop|list|grant|revoke</c>.</summary>
internal static class RoleCommand
{
    public static Command Create(CommandHost host)
    {
        var command = new Command("role", "Create, drop and list roles; give a role to a user or take it back.");
        command.Subcommands.Add(CreateOrDrop(host, create: true));
        command.Subcommands.Add(CreateOrDrop(host, create: false));
        command.Subcommands.Add(List(host));
        command.Subcommands.Add(Membership(host, grant: true));
        command.Subcommands.Add(Membership(host, grant: false));
        return command;
    }

    private static Command CreateOrDrop(CommandHost host, bool create)
    {
        var name = new Argument<string>("ROLE") { Description = "the role name: letters, digits, '_' and '-', starting with a letter" };
        var command = create
            ? new Command("create", "Create an empty role (needs CREATE_ROLE).") { name }
            : new Command("drop", "Drop a role; its members lose it at once (needs DROP_ROLE).") { name };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            string role = parse.GetValue(name)!;
            await (create ? client.CreateRoleAsync(role, ct) : client.DropRoleAsync(role, ct)).ConfigureAwait(false);
            session.Output.Render(new DoneView(create ? $"created role {role}" : $"dropped role {role}"));
        });
        return command;
    }

    private static Command List(CommandHost host)
    {
        var of = new Option<string?>("--of") { Description = "only the roles of this user" };
        var command = new Command("list", "The roles with their grants and members (needs LIST_USERS), or the roles of one user.") { of };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(of) is { } user)
            {
                var names = await client.ListUserRolesAsync(user, ct).ConfigureAwait(false);
                session.Output.Render(new RolesView([.. names.Select(n => new RoleView(n, [], [user]))]));
                return;
            }

            var roles = await client.ListRolesAsync(ct).ConfigureAwait(false);
            session.Output.Render(new RolesView([.. roles.Select(r => new RoleView(r.Name, [.. r.Grants.Select(GrantCommand.View)], r.Members))]));
        });
        return command;
    }

    private static Command Membership(CommandHost host, bool grant)
    {
        var name = new Argument<string>("ROLE") { Description = "the role" };
        var to = new Option<string>(grant ? "--to" : "--from") { Description = "the user", Required = true };
        var command = grant
            ? new Command("grant", "Give the role to a user (needs GRANT on the server).") { name, to }
            : new Command("revoke", "Take the role back from a user (needs GRANT on the server).") { name, to };
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            string role = parse.GetValue(name)!;
            string user = parse.GetValue(to)!;
            await client.ChangeRoleMembershipAsync(role, user, grant, ct).ConfigureAwait(false);
            session.Output.Render(new DoneView(grant ? $"gave role {role} to {user}" : $"took role {role} from {user}"));
        });
        return command;
    }
}
