// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>admin user password NAME [--new-password PW] [--old-password PW]</c>.</summary>
internal static class UserPasswordCommand
{
    public static Command Create(CommandHost host)
    {
        var name = new Argument<string>("NAME") { Description = "the user" };
        var password = NewPassword.CreateOption();
        var old = new Option<string?>("--old-password") { Description = "the current password, needed for your own (default: the login password)" };
        var command = new Command("password", "Change the password of user NAME; its tokens end.") { name, password, old };
        command.Aliases.Add("change-password");
        host.SetAction(command, async (parse, session, ct) =>
        {
            string user = parse.GetValue(name)!;
            string secret = NewPassword.Resolve(parse, password, user);
            var client = await session.ConnectAsync(ct).ConfigureAwait(false);
            string oldPassword = parse.GetValue(old) ?? (user == session.Settings.User ? session.Settings.Password ?? string.Empty : string.Empty);
            await client.ChangePasswordAsync(user, oldPassword, secret, ct).ConfigureAwait(false);
            session.Output.Render(new DoneView($"changed the password of {user}"));
        });
        return command;
    }
}
