// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli;
using Cairn.Cli.Commands;
using Cairn.Cli.Commands.Admin;
using Cairn.Cli.Commands.Client;
using Cairn.Cli.Output;

var root = new RootCommand("Cairn: a tamper-evident database that speaks immudb's gRPC API.");
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(ClientCommand.Create());
root.Subcommands.Add(AdminCommand.Create());
root.Subcommands.Add(AuditCommand.Create());
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // A usage error is exit code 2 with a one-line reason (System.CommandLine alone would print help and return 1).
    await Console.Error.WriteLineAsync($"cairn: {Renderer.ParseErrors(parse.Errors)} (see 'cairn --help')").ConfigureAwait(false);
    return ExitCodes.Usage;
}

// serve and audit stop gracefully on SIGTERM and Ctrl-C (the server finishes the commits in flight and closes every
// database, which on a loaded machine takes longer than System.CommandLine's default 2 s before it ends the process
// with 128 + signal); they get as long as the server's own shutdown timeout and a margin.
var invocation = parse.CommandResult.Command.Name is "serve" or "audit"
    ? new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) }
    : new InvocationConfiguration();
return await parse.InvokeAsync(invocation).ConfigureAwait(false);
