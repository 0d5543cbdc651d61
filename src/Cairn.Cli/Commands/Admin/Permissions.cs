// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Client;

namespace Cairn.Cli.Commands.Admin;

/// <summary>The --permission option: read, readwrite or admin (immudb's 1, 2 and 254).</summary>
internal static class Permissions
{
    public static Option<string> CreateOption()
    {
        var option = new Option<string>("--permission") { Description = "read, readwrite or admin", Required = true };
        option.AcceptOnlyFromAmong("read", "readwrite", "admin");
        return option;
    }

    public static uint Parse(string name) => name switch
    {
        "read" => CairnPermissions.Read,
        "readwrite" => CairnPermissions.ReadWrite,
        "admin" => CairnPermissions.Admin,
        _ => throw new UsageException($"unknown permission '{name}': read, readwrite or admin"),
    };
}
