// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Net.Security;
using Cairn.Verification;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Client;

/// <summary>
/// A connection to a Cairn (or immudb-compatible) server. Log in with <see cref="LoginAsync"/> (token) or
/// <see cref="OpenSessionAsync"/> (session), then call the data methods; the <c>Verified…</c> methods check every
/// answer against the state the client already trusts and move that state forward only after the proofs verify.
/// </summary>
/// <remarks>
/// Thread-safe: calls may run concurrently; verified calls of one database are checked one after another so the
/// trusted state only moves forward. Every failure is a <see cref="CairnException"/> subtype.
/// </remarks>
public sealed partial class CairnClient : IAsyncDisposable
{
    /// <summary>The response header that carries the server's identity.</summary>
    public const string IdentityHeader = "immudb-uuid";

    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    private readonly CairnClientOptions _options;
    private readonly GrpcChannel _channel;
    private readonly Wire.ImmuService.ImmuServiceClient _grpc;
    private readonly SemaphoreSlim _trustLock = new(1, 1);
    private readonly HashSet<string> _trustedDatabases = new(StringComparer.Ordinal);
    private readonly bool _usesTls;
    private volatile Metadata _credentials = [];
    private volatile string? _database;
    private volatile string? _serverIdentity;
    private TrustedStateHolder? _holder;
    private CancellationTokenSource? _keepAlive;

    /// <summary>Creates a client; nothing is sent until the first call.</summary>
    public CairnClient(CairnClientOptions? options = null)
    {
        _options = options ?? new CairnClientOptions();
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        };
        _usesTls = _options.Address.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (_usesTls || _options.ClientCertificate is not null || _options.TrustedCertificateAuthorities is not null || _options.ServerCertificateValidation is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                // A context rather than ClientCertificates: it is sent whatever CA names the server lists, so the
                // server (not a client-side guess) decides, and offline: no fetching of issuers while connecting.
                ClientCertificateContext = _options.ClientCertificate is null ? null : SslStreamCertificateContext.Create(_options.ClientCertificate, null, offline: true),
                RemoteCertificateValidationCallback = ValidateServerCertificate,
            };
        }

        _channel = GrpcChannel.ForAddress(_options.Address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = _options.MaxMessageSize,
            MaxSendMessageSize = _options.MaxMessageSize,
        });
        _grpc = new Wire.ImmuService.ImmuServiceClient(_channel);
    }

    /// <summary>The server address.</summary>
    public string Address => _options.Address;

    /// <summary>The selected database, or null before login.</summary>
    public string? Database => _database;

    /// <summary>The identity the server states (<c>immudb-uuid</c>), once it answered.</summary>
    public string? ServerIdentity => _serverIdentity;

    /// <summary>The raw gRPC client, for calls this class does not wrap (sent with the client's credentials by <see cref="Credentials"/>).</summary>
    public Wire.ImmuService.ImmuServiceClient Grpc => _grpc;

    /// <summary>The headers that authenticate the current login or session.</summary>
    public Metadata Credentials => _credentials;

    /// <summary>Logs in with a user name and password (token mode) and selects <paramref name="database"/>.</summary>
    /// <returns>The server's warning (e.g. that the admin has the default password), or null.</returns>
    public async Task<string?> LoginAsync(string user, string password, string database = "defaultdb", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        var reply = await CallAsync(o => _grpc.LoginAsync(new Wire.LoginRequest { User = ByteString.CopyFromUtf8(user), Password = ByteString.CopyFromUtf8(password) }, o),
            cancellationToken, anonymous: true).ConfigureAwait(false);
        _credentials = new Metadata { { "authorization", "Bearer " + reply.Token } };
        await UseDatabaseAsync(database, cancellationToken).ConfigureAwait(false);
        return reply.Warning.IsEmpty ? null : reply.Warning.ToStringUtf8();
    }

    /// <summary>Opens a session on <paramref name="database"/> and keeps it alive until closed or disposed.</summary>
    public async Task OpenSessionAsync(string user, string password, string database = "defaultdb", CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(o => _grpc.OpenSessionAsync(new Wire.OpenSessionRequest
        {
            Username = ByteString.CopyFromUtf8(user),
            Password = ByteString.CopyFromUtf8(password),
            DatabaseName = database,
        }, o), cancellationToken, anonymous: true).ConfigureAwait(false);
        _credentials = new Metadata { { "sessionid", reply.SessionID } };
        _database = database.ToLowerInvariant();
        StartKeepAlive();
    }

    /// <summary>Selects the database later calls act on.</summary>
    public async Task UseDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(o => _grpc.UseDatabaseAsync(new Wire.Database { DatabaseName = database }, o), cancellationToken).ConfigureAwait(false);
        if (_credentials.Get("sessionid") is null)
        {
            _credentials = new Metadata { { "authorization", "Bearer " + reply.Token } };
        }

        _database = database.ToLowerInvariant();
    }

    /// <summary>Logs out (token mode: every token of the user ends) or closes the session.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        StopKeepAlive();
        if (_credentials.Get("sessionid") is not null)
        {
            await CallAsync(o => _grpc.CloseSessionAsync(Empty, o), cancellationToken).ConfigureAwait(false);
        }
        else if (_credentials.Count > 0)
        {
            await CallAsync(o => _grpc.LogoutAsync(Empty, o), cancellationToken).ConfigureAwait(false);
        }

        _credentials = [];
        _database = null;
    }

    /// <summary>Whether the server answers (needs no login).</summary>
    public async Task<(bool Healthy, string Version)> HealthAsync(CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(o => _grpc.HealthAsync(Empty, o), cancellationToken, anonymous: true).ConfigureAwait(false);
        return (reply.Status, reply.Version);
    }

    /// <summary>The state the client trusts for the selected database (verified earlier), or null when none yet.</summary>
    public ImmutableState? TrustedState
    {
        get
        {
            // The pinned server's state: a server that now claims another identity changes nothing the client trusts.
            var holder = _holder;
            string? identity = holder?.ServerIdentity ?? _serverIdentity;
            string? database = _database;
            return identity is null || database is null || holder is null ? null : holder.Get(identity, database);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        StopKeepAlive();
        _channel.Dispose();
        _trustLock.Dispose();
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private Metadata WithOrigin(Metadata credentials)
    {
        if (_options.Origin is not { Length: > 0 } origin)
        {
            return credentials;
        }

        var headers = new Metadata();
        foreach (var entry in credentials)
        {
            headers.Add(entry);
        }

        headers.Add("x-cairn-origin", origin);
        return headers;
    }

    // Every call goes through here: credentials, deadline, the identity header, and errors as CairnExceptions.
    internal async Task<T> CallAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> start, CancellationToken cancellationToken, bool anonymous = false)
    {
        var options = new CallOptions(anonymous ? null : WithOrigin(_credentials), DateTime.UtcNow.Add(_options.CallTimeout), cancellationToken);
        try
        {
            using var call = start(options);
            var headers = await call.ResponseHeadersAsync.ConfigureAwait(false);
            if (headers.GetValue(IdentityHeader) is { Length: > 0 } identity)
            {
                _serverIdentity = identity;
            }

            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException e)
        {
            throw TlsFailure(e) ?? ClientErrors.From(e);
        }
        catch (HttpRequestException e)
        {
            throw TlsFailure(e) ?? new CairnConnectionException($"cannot reach {_options.Address}: {e.Message}", e);
        }
    }

    private void StartKeepAlive()
    {
        StopKeepAlive();
        var stop = new CancellationTokenSource();
        _keepAlive = stop;
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(_options.KeepAliveInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    try
                    {
                        await CallAsync(o => _grpc.KeepAliveAsync(Empty, o), stop.Token).ConfigureAwait(false);
                    }
                    catch (CairnException)
                    {
                        // The next call reports a lost session to the caller; the keep-alive has no one to tell.
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
    }

    private void StopKeepAlive()
    {
        var keepAlive = Interlocked.Exchange(ref _keepAlive, null);
        if (keepAlive is not null)
        {
            keepAlive.Cancel();
            keepAlive.Dispose();
        }
    }
}
