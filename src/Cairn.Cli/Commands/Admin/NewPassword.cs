// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Spectre.Console;

namespace Cairn.Cli.Commands.Admin;

/// <summary>The --new-password option of user create and user password: given, or asked twice without echo on a terminal.</summary>
internal static class NewPassword
{
    public static Option<string?> CreateOption() => new("--new-password")
    {
        Description = "the user's new password (asked twice without echo on a terminal when not given)",
    };

    public static string Resolve(ParseResult parse, Option<string?> option, string user)
    {
        if (parse.GetValue(option) is { } given)
        {
            return given;
        }

        if (Console.IsInputRedirected)
        {
            throw new UsageException($"no password for {user}: give --new-password");
        }

        var terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        string first = terminal.Prompt(new TextPrompt<string>($"new password for {Markup.Escape(user)}:").Secret());
        string second = terminal.Prompt(new TextPrompt<string>("again:").Secret());
        return first == second ? first : throw new UsageException("the two passwords differ");
    }
}
