// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Commands.Client;
using Cairn.Cli.Session;

namespace Cairn.Cli.Commands.Admin;

/// <summary><c>cairn admin</c>: users, databases, the server, and the offline verification of a data folder.</summary>
internal static class AdminCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var host = CommandHost.OneShot(connection);
        var command = new Command("admin", "Manage users and databases, show the server, verify a stopped server's data folder.\n" +
            "--database is the database a command acts on (user create, permission, grant, revoke, database use).\n" +
            "Exit codes: 0 ok, 1 refused by the server, 2 usage, 3 integrity failure, 4 connection failure, 5 authentication or permission.");
        connection.AddTo(command);
        command.Subcommands.Add(LoginCommand.Create(host));

        var user = new Command("user", "List, create, change, (de)activate and drop users.");
        user.Subcommands.Add(UserListCommand.Create(host));
        user.Subcommands.Add(UserCreateCommand.Create(host));
        user.Subcommands.Add(UserPasswordCommand.Create(host));
        user.Subcommands.Add(UserPermissionCommand.Create(host));
        user.Subcommands.Add(UserActiveCommand.Create(host, active: true));
        user.Subcommands.Add(UserActiveCommand.Create(host, active: false));
        user.Subcommands.Add(UserDropCommand.Create(host));
        command.Subcommands.Add(user);

        var database = new Command("database", "List, create and select databases; show or set their key separator.");
        database.Aliases.Add("db");
        database.Subcommands.Add(DatabaseListCommand.Create(host));
        database.Subcommands.Add(DatabaseCreateCommand.Create(host));
        database.Subcommands.Add(DatabaseSeparatorCommand.Create(host));
        database.Subcommands.Add(UseCommand.Create(host));
        command.Subcommands.Add(database);

        command.Subcommands.Add(RoleCommand.Create(host));
        command.Subcommands.Add(GrantCommand.Change(host, grant: true));
        command.Subcommands.Add(GrantCommand.Change(host, grant: false));
        command.Subcommands.Add(GrantCommand.List(host));

        command.Subcommands.Add(AuditLogCommand.Create(host));
        command.Subcommands.Add(InfoCommand.Create(host));
        command.Subcommands.Add(VerifyCommand.Create(host));
        return command;
    }
}
