// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using System.CommandLine.Parsing;
using Cairn.Cli.Commands;
using Cairn.Cli.Commands.Client;
using Cairn.Cli.Output;
using Cairn.Cli.Session;

namespace Cairn.Cli.Shell;

/// <summary>
/// The shell: reads one command per line and runs it with the same commands as one-shot mode, over one session.
/// On a terminal it prompts and edits lines; from a pipe or file it reads plainly, without prompts or escape codes.
/// A failing command prints one line and the shell goes on; the exit code is the last command's.
/// </summary>
internal static class ClientShell
{
    public static Task<int> RunAsync(ConnectionOptions connection, ParseResult parse, CancellationToken cancellationToken) =>
        CommandHost.GuardAsync(null, async () =>
        {
            var settings = connection.Resolve(parse);
            var output = new Renderer(settings.Output);
            await using var session = new ClientSession(settings, output, isShell: true);
            var root = CreateRoot(session);
            bool interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
            var editor = interactive ? new LineEditor() : null;
            if (interactive)
            {
                output.Line($"cairn shell on {settings.Address}: 'help' lists the commands, 'exit' leaves.");
            }

            int last = ExitCodes.Ok;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? line = editor is null
                    ? await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                    : editor.ReadLine($"cairn:{session.Database}> ");
                if (line is null)
                {
                    break;
                }

                line = line.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                if (line is "exit" or "quit")
                {
                    break;
                }

                last = await RunLineAsync(root, output, line, cancellationToken).ConfigureAwait(false);
            }

            return last;
        });

    private static async Task<int> RunLineAsync(RootCommand root, Renderer output, string line, CancellationToken cancellationToken)
    {
        var parse = root.Parse(CommandLineParser.SplitCommandLine(line).ToArray());
        if (parse.Errors.Count > 0)
        {
            output.Error(Renderer.ParseErrors(parse.Errors));
            return ExitCodes.Usage;
        }

        // No signal handling per line: Ctrl-C belongs to the process's own invocation.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cancellationToken).ConfigureAwait(false);
    }

    private static RootCommand CreateRoot(ClientSession session)
    {
        var connection = new ConnectionOptions();
        var host = CommandHost.Shell(connection, session);
        var root = new RootCommand("cairn shell");
        connection.AddLoginTo(root);
        foreach (var create in ClientCommand.Commands)
        {
            root.Subcommands.Add(create(host));
        }

        var help = new Command("help", "List the commands.");
        help.SetAction(_ =>
        {
            var lines = root.Subcommands.Select(c => new HelpLine(string.Join(", ", new[] { c.Name }.Concat(c.Aliases)), c.Description ?? string.Empty)).ToList();
            lines.Add(new HelpLine("exit, quit", "Leave the shell."));
            session.Output.Render(new HelpView(lines));
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(help);
        return root;
    }
}
