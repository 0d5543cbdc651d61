// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;

namespace Cairn.Cli.Commands.Client;

/// <summary>
/// <c>login [USER]</c>: in the shell, logs in for the following commands; on its own, checks the credentials (one-shot
/// commands log in with the connection flags every time, nothing is kept).
/// </summary>
internal static class LoginCommand
{
    public static Command Create(CommandHost host)
    {
        var user = new Argument<string?>("USER") { Description = "the user (default: --user, else immudb)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("login", "Log in as USER (password from --password, CAIRN_PASSWORD, or asked on a terminal).") { user };
        host.SetAction(command, async (parse, session, ct) =>
        {
            string name = parse.GetValue(user) ?? parse.GetValue(host.Connection.User) ?? session.Settings.User;
            // The configured password belongs to the configured user; another user's must be given or asked for.
            string? password = parse.GetValue(host.Connection.Password) ?? (name == session.Settings.User ? session.Settings.Password : null);
            await session.LoginAsync(name, password, parse.GetValue(host.Connection.Database), ct).ConfigureAwait(false);
            session.Output.Render(new DoneView($"logged in as {name}, database {session.Database}"));
        });
        return command;
    }
}
