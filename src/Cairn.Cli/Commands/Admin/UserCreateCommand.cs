// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>admin user create NAME --permission P [--database D] [--new-password PW]</c>.</summary>
internal static class UserCreateCommand
{
    public static Command Create(CommandHost host)
    {
        var name = new Argument<string>("NAME") { Description = "the new user" };
        var permission = Permissions.CreateOption();
        var password = NewPassword.CreateOption();
        var command = new Command("create", "Create user NAME with a permission on the database of --database.") { name, permission, password };
        host.SetAction(command, async (parse, session, ct) =>
        {
            string user = parse.GetValue(name)!;
            string secret = NewPassword.Resolve(parse, password, user);
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            await client.CreateUserAsync(user, secret, Permissions.Parse(parse.GetValue(permission)!), session.Settings.Database, ct).ConfigureAwait(false);
            session.Output.Render(new DoneView($"created user {user} with {parse.GetValue(permission)} on {session.Settings.Database}"));
        });
        return command;
    }
}
