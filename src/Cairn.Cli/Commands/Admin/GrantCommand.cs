// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;
using Cairn.Client;

namespace Cairn.Cli.Commands.Admin;

/// <summary>
/// <c>admin grant|revoke PRIVILEGE [--keys PATTERN] (--to-user U | --to-role R)</c> on the database of --database
/// (or every database with --all-databases), and <c>admin grants (--of-user U | --of-role R)</c>.
/// </summary>
/// <remarks>The grantee options are not called --user: that is the login user of every admin command.</remarks>
internal static class GrantCommand
{
    public static Command Change(CommandHost host, bool grant)
    {
        var privilege = new Argument<string>("PRIVILEGE") { Description = string.Join(", ", CairnPrivileges.All) };
        var keys = new Option<string?>("--keys") { Description = "key pattern for READ, WRITE, DELETE: segments split by '.', '*' one segment, '**' any number [default: **]" };
        var allDatabases = new Option<bool>("--all-databases") { Description = "on every database (and the server, for management privileges) instead of --database" };
        var toUser = new Option<string?>(grant ? "--to-user" : "--from-user") { Description = "the user" };
        var toRole = new Option<string?>(grant ? "--to-role" : "--from-role") { Description = "the role" };
        var command = grant
            ? new Command("grant", "Grant a privilege to a user or a role (needs GRANT on that database, or on the server).") { privilege, keys, allDatabases, toUser, toRole }
            : new Command("revoke", "Revoke a privilege from a user or a role.") { privilege, keys, allDatabases, toUser, toRole };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(toUser) is null) == (result.GetValue(toRole) is null))
            {
                result.AddError($"name exactly one of {toUser.Name} or {toRole.Name}");
            }

            if (!CairnPrivileges.All.Contains(result.GetValue(privilege)?.Replace('-', '_').ToUpperInvariant()))
            {
                result.AddError($"unknown privilege '{result.GetValue(privilege)}'; one of {string.Join(", ", CairnPrivileges.All)}");
            }
        });
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            string what = parse.GetValue(privilege)!.Replace('-', '_').ToUpperInvariant();
            string database = parse.GetValue(allDatabases) ? "*" : session.Settings.Database;
            string? pattern = parse.GetValue(keys);
            string? user = parse.GetValue(toUser);
            string? role = parse.GetValue(toRole);
            await client.ChangeGrantAsync(what, database, pattern, user, role, grant, ct).ConfigureAwait(false);
            string holder = user is not null ? $"user {user}" : $"role {role}";
            string on = pattern is null ? $"database {database}" : $"'{pattern}' in database {database}";
            session.Output.Render(new DoneView(grant ? $"granted {what} on {on} to {holder}" : $"revoked {what} on {on} from {holder}"));
        });
        return command;
    }

    public static Command List(CommandHost host)
    {
        var ofUser = new Option<string?>("--of-user") { Description = "the user" };
        var ofRole = new Option<string?>("--of-role") { Description = "the role" };
        var effective = new Option<bool>("--effective") { Description = "for a user: also what its roles and permissions give" };
        var command = new Command("grants", "The privileges granted to a user or a role (your own need nothing; others' need LIST_USERS).") { ofUser, ofRole, effective };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(ofUser) is null) == (result.GetValue(ofRole) is null))
            {
                result.AddError("name exactly one of --of-user or --of-role");
            }
        });
        host.SetAction(command, async (parse, session, ct) =>
        {
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            string? user = parse.GetValue(ofUser);
            string? role = parse.GetValue(ofRole);
            var grants = await client.ListGrantsAsync(user, role, parse.GetValue(effective), ct).ConfigureAwait(false);
            session.Output.Render(new GrantsView(user is not null ? $"user {user}" : $"role {role}", [.. grants.Select(View)]));
        });
        return command;
    }

    internal static GrantView View(CairnGrant grant) => new(grant.Privilege, grant.Database, grant.Pattern, grant.Source);
}
