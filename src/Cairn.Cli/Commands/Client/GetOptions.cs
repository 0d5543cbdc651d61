// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;

namespace Cairn.Cli.Commands.Client;

/// <summary>The arguments of get and safeget: a key and at most one of --at-tx, --since-tx, --revision.</summary>
internal sealed class GetOptions
{
    public Argument<string> Key { get; } = new("KEY") { Description = "the key (UTF-8)" };

    public Option<ulong?> AtTx { get; } = new("--at-tx") { Description = "the value the key was given in this transaction" };

    public Option<ulong?> SinceTx { get; } = new("--since-tx") { Description = "the latest value once the index covers this transaction" };

    public Option<long?> Revision { get; } = new("--revision") { Description = "this version of the key (1 = first; 0 or less counts back from the latest)" };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Key);
        command.Options.Add(AtTx);
        command.Options.Add(SinceTx);
        command.Options.Add(Revision);
        command.Validators.Add(result =>
        {
            if (new Option[] { AtTx, SinceTx, Revision }.Count(o => result.GetResult(o) is not null) > 1)
            {
                result.AddError("give at most one of --at-tx, --since-tx and --revision");
            }
        });
    }
}
