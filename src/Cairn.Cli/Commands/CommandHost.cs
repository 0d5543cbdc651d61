// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using Cairn.Cli.Output;
using Cairn.Cli.Session;
using Cairn.Client;

namespace Cairn.Cli.Commands;

/// <summary>
/// Runs command bodies against a session: a new one per invocation for one-shot commands, or the shell's own. Turns
/// every expected failure into one line on stderr and an exit code (<see cref="ExitCodes"/>), so commands stay thin.
/// </summary>
internal sealed class CommandHost
{
    private readonly ClientSession? _shellSession;

    private CommandHost(ConnectionOptions connection, ClientSession? shellSession)
    {
        Connection = connection;
        _shellSession = shellSession;
    }

    /// <summary>The connection flags the commands of this host see.</summary>
    public ConnectionOptions Connection { get; }

    /// <summary>Whether the commands run inside the shell.</summary>
    public bool IsShell => _shellSession is not null;

    /// <summary>Commands of one process: each invocation connects with the flags it was given.</summary>
    public static CommandHost OneShot(ConnectionOptions connection) => new(connection, null);

    /// <summary>Commands of the shell: all share its session.</summary>
    public static CommandHost Shell(ConnectionOptions connection, ClientSession session) => new(connection, session);

    /// <summary>Makes <paramref name="body"/> the action of <paramref name="command"/>.</summary>
    public void SetAction(Command command, Func<ParseResult, ClientSession, CancellationToken, Task> body) =>
        command.SetAction((parse, cancellationToken) => RunAsync(parse, body, cancellationToken));

    /// <summary>Runs <paramref name="body"/> with the same error handling, for commands that need no server.</summary>
    public static async Task<int> GuardAsync(Renderer? output, Func<Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception e) when (IsExpected(e))
        {
            (output ?? new Renderer(OutputFormat.Table)).Error(e.Message);
            return ExitCodes.For(e);
        }
    }

    private async Task<int> RunAsync(ParseResult parse, Func<ParseResult, ClientSession, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        if (_shellSession is { } shared)
        {
            return await GuardAsync(shared.Output, async () =>
            {
                await RunBodyAsync(parse, shared, body, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }).ConfigureAwait(false);
        }

        Renderer? output = null;
        return await GuardAsync(null, async () =>
        {
            var settings = Connection.Resolve(parse);
            output = new Renderer(settings.Output);
            await using var session = new ClientSession(settings, output, isShell: false);
            await RunBodyAsync(parse, session, body, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }).ConfigureAwait(false);
    }

    // Names the address in a connection failure (the client's own message does not say which server it tried), and
    // the flag to change when TLS was the trouble.
    private async Task RunBodyAsync(ParseResult parse, ClientSession session, Func<ParseResult, ClientSession, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        try
        {
            await body(parse, session, cancellationToken).ConfigureAwait(false);
        }
        catch (CairnConnectionException e)
        {
            throw new CairnConnectionException($"{session.Settings.Address}: {e.Message}{Connection.Tls.Hint(e.Failure, session.Settings.Tls)}", e, e.Failure);
        }
    }

    private static bool IsExpected(Exception e) =>
        e is CairnException or UsageException or OperationCanceledException or IOException or UnauthorizedAccessException;
}
