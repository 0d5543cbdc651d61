// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Client;

namespace Cairn.Cli;

/// <summary>The exit codes of <c>cairn client</c> and <c>cairn admin</c> (documented in the README).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The server refused the request: not found, invalid arguments, limits.</summary>
    public const int Refused = 1;

    /// <summary>The command line (or a shell line) is not understood.</summary>
    public const int Usage = 2;

    /// <summary>An answer or a data folder did not verify.</summary>
    public const int Integrity = 3;

    /// <summary>The server cannot be reached.</summary>
    public const int Connection = 4;

    /// <summary>Wrong or missing credentials, or a permission the user lacks.</summary>
    public const int Authentication = 5;

    /// <summary>Interrupted (Ctrl-C), as shells report SIGINT.</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code for a failure, and whether it is one this tool expects (anything else is a bug).</summary>
    public static int For(Exception exception) => exception switch
    {
        CairnIntegrityException => Integrity,
        CairnConnectionException => Connection,
        CairnAuthenticationException or CairnPermissionException => Authentication,
        CairnNotFoundException or CairnRequestException => Refused,
        UsageException => Usage,
        OperationCanceledException => Interrupted,
        _ => Refused,
    };
}

/// <summary>A command's arguments do not make sense together (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
