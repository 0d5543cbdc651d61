// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Cli.Output;
using Cairn.Client;
using Cairn.Client.State;
using Cairn.Verification;
using Spectre.Console;

namespace Cairn.Cli.Session;

/// <summary>
/// A connection as the commands use it: one per process for a one-shot command, one for the whole shell. It logs in
/// on the first command that needs it, with the configured user and password; verified commands keep their trust
/// in the state file.
/// </summary>
internal sealed class ClientSession : IAsyncDisposable
{
    private readonly ConnectionSettings _settings;
    private readonly FileStateStore _store;
    private readonly CairnClient _client;
    private bool _loggedIn;
    private bool _loggedOut;

    public ClientSession(ConnectionSettings settings, Renderer output, bool isShell)
    {
        _settings = settings;
        Output = output;
        IsShell = isShell;
        _store = new FileStateStore(settings.StateFile);
        byte[]? signingKey = null;
        if (settings.SigningKeyFile is { } keyFile)
        {
            try
            {
                signingKey = StatePublicKey.FromPem(File.ReadAllText(keyFile));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw new UsageException($"--server-signing-pub-key {keyFile}: {e.Message}");
            }
        }

        _client = new CairnClient(new CairnClientOptions
        {
            Address = settings.Address,
            StateStore = _store,
            ServerSigningPublicKey = signingKey,
            TrustedCertificateAuthorities = settings.Tls.Authorities,
            ClientCertificate = settings.Tls.Certificate,
        });
    }

    public Renderer Output { get; }

    /// <summary>The settings the session was made with.</summary>
    public ConnectionSettings Settings => _settings;

    /// <summary>Whether commands run in the interactive or scripted shell (login, logout and use keep their effect).</summary>
    public bool IsShell { get; }

    /// <summary>The database in use, or the configured one before login.</summary>
    public string Database => _client.Database ?? _settings.Database;

    /// <summary>The client without logging in (health).</summary>
    public CairnClient Anonymous => _client;

    /// <summary>The client, logged in with the configured credentials unless already (or deliberately no longer) logged in.</summary>
    public async Task<CairnClient> ConnectAsync(CancellationToken cancellationToken)
    {
        if (!_loggedIn)
        {
            if (_loggedOut)
            {
                throw new CairnAuthenticationException("not logged in: use login");
            }

            await LoginAsync(_settings.User, _settings.Password, _settings.Database, cancellationToken).ConfigureAwait(false);
        }

        return _client;
    }

    /// <summary>
    /// Logs in as <paramref name="user"/>. Without a password: with a client certificate, none (the certificate is the
    /// login); else asked on a terminal.
    /// </summary>
    public async Task LoginAsync(string user, string? password, string? database, CancellationToken cancellationToken)
    {
        password ??= _settings.Tls.Certificate is null ? AskPassword(user) : string.Empty;
        string? warning = await _client.LoginAsync(user, password, database ?? _settings.Database, cancellationToken).ConfigureAwait(false);
        _loggedIn = true;
        _loggedOut = false;
        if (warning is not null)
        {
            Output.Warning(warning);
        }
    }

    /// <summary>Logs out; later commands need a new login.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken)
    {
        if (_loggedIn)
        {
            await _client.LogoutAsync(cancellationToken).ConfigureAwait(false);
        }

        _loggedIn = false;
        _loggedOut = true;
    }

    /// <summary>The trusted tx of the database in use after a verified command.</summary>
    public ulong TrustedTx => _client.TrustedState?.TxId ?? 0;

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync().ConfigureAwait(false);
        _store.Dispose();
    }

    private static string AskPassword(string user)
    {
        // Standard input may be a script (the shell) or a pipe: then the password must come from a flag or the environment.
        if (Console.IsInputRedirected)
        {
            throw new CairnAuthenticationException($"no password for {user}: give --password or set CAIRN_PASSWORD");
        }

        // Asked on stderr so that stdout keeps only answers, even when it is redirected.
        var terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return terminal.Prompt(new TextPrompt<string>($"password for {Markup.Escape(user)}:").Secret().AllowEmpty());
    }
}
