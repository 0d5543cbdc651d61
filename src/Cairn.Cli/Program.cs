// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Commands;

var root = new RootCommand("Cairn: a tamper-evident database that speaks immudb's gRPC API.");
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(AuditCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
