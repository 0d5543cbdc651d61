// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Client.Tests.Support;

/// <summary>
/// One lie: applied to replies of <see cref="Method"/> (null = every method). <see cref="Rewrite"/> gets the real
/// reply and returns what is sent instead (the same message changed in place, or another one of its type);
/// <see cref="Identity"/> replaces the <c>immudb-uuid</c> the real server stated.
/// </summary>
internal sealed class Alteration
{
    private int _applied;

    public string? Method { get; init; }

    public Func<IMessage, IMessage>? Rewrite { get; init; }

    public string? Identity { get; init; }

    /// <summary>How many replies it may change (then the server tells the truth again).</summary>
    public int Limit { get; init; } = int.MaxValue;

    /// <summary>What went wrong in <see cref="Rewrite"/> itself (a broken test, not a lie).</summary>
    public Exception? Error { get; internal set; }

    /// <summary>How many replies it changed.</summary>
    public int Applied => Volatile.Read(ref _applied);

    internal bool TryTake(string method)
    {
        if (Method is not null && Method != method)
        {
            return false;
        }

        int taken = Interlocked.Increment(ref _applied);
        if (taken > Limit)
        {
            Interlocked.Decrement(ref _applied);
            return false;
        }

        return true;
    }
}

/// <summary>
/// A server that lies: an in-process Kestrel host (127.0.0.1, HTTP/2) that forwards every call the SDK makes to a
/// real Cairn server with the caller's metadata, copies the real identity header, and applies the current
/// <see cref="Alteration"/> to the reply. The upstream can be switched (a rolled-back or forked copy of the server).
/// </summary>
internal sealed class LyingServer : IAsyncDisposable
{
    private static readonly HashSet<string> TransportHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-type", "te", "host", "user-agent", "accept-encoding", "content-length", "traceparent",
    };

    private readonly WebApplication _app;
    private readonly List<GrpcChannel> _channels = [];
    private readonly ConcurrentDictionary<(string Upstream, ByteString User, ByteString Password), (Wire.LoginResponse Reply, string Identity)> _logins = new();
    private volatile Upstream _upstream = null!;
    private volatile Alteration? _alteration;

    private LyingServer(WebApplication app) => _app = app;

    /// <summary>The address clients connect to.</summary>
    public string Address { get; private set; } = string.Empty;

    /// <summary>The lie told from now on (null: tell the truth).</summary>
    public Alteration? Alteration
    {
        get => _alteration;
        set => _alteration = value;
    }

    /// <summary>
    /// Answers Login from memory after the first real login of a user, so that hundreds of clients do not each pay
    /// for a bcrypt check. The token is the real server's.
    /// </summary>
    public bool CacheLogins { get; set; } = true;

    public static async Task<LyingServer> StartAsync(string upstreamAddress)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = 64 << 20;
            grpc.MaxSendMessageSize = 64 << 20;
            grpc.EnableDetailedErrors = true;
        });
        builder.Services.AddSingleton<LyingService>();
        var app = builder.Build();
        app.MapGrpcService<LyingService>();
        var server = new LyingServer(app);
        app.Services.GetRequiredService<LyingService>().Owner = server;
        server.SetUpstream(upstreamAddress);
        await app.StartAsync().ConfigureAwait(false);
        server.Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return server;
    }

    /// <summary>Forwards from now on to <paramref name="address"/> (same address for the client, another server behind it).</summary>
    public void SetUpstream(string address)
    {
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 64 << 20 });
        lock (_channels)
        {
            _channels.Add(channel);
        }

        _upstream = new Upstream(address, new Wire.ImmuService.ImmuServiceClient(channel));
    }

    internal async Task<TReply> ForwardAsync<TRequest, TReply>(
        string method,
        TRequest request,
        ServerCallContext context,
        Func<Wire.ImmuService.ImmuServiceClient, TRequest, CallOptions, AsyncUnaryCall<TReply>> call)
        where TReply : class, IMessage
    {
        var upstream = _upstream;
        TReply reply;
        string identity;
        if (CacheLogins && request is Wire.LoginRequest login && _logins.TryGetValue((upstream.Address, login.User, login.Password), out var cached))
        {
            (reply, identity) = ((TReply)(IMessage)cached.Reply.Clone(), cached.Identity);
        }
        else
        {
            var headers = new Metadata();
            foreach (var entry in context.RequestHeaders)
            {
                if (!entry.Key.StartsWith(':') && !entry.Key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase) && !TransportHeaders.Contains(entry.Key))
                {
                    headers.Add(entry);
                }
            }

            using var pending = call(upstream.Client, request, new CallOptions(headers, context.Deadline, context.CancellationToken));
            try
            {
                identity = (await pending.ResponseHeadersAsync.ConfigureAwait(false)).GetValue(CairnClient.IdentityHeader) ?? string.Empty;
                reply = await pending.ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                // The real server's refusal, passed on as it is.
                throw new RpcException(e.Status);
            }

            if (CacheLogins && request is Wire.LoginRequest first)
            {
                _logins[(upstream.Address, first.User, first.Password)] = (((Wire.LoginResponse)(IMessage)reply).Clone(), identity);
            }
        }

        if (_alteration is { } alteration && alteration.TryTake(method))
        {
            identity = alteration.Identity ?? identity;
            if (alteration.Rewrite is { } rewrite)
            {
                try
                {
                    reply = (TReply)rewrite(reply);
                }
                catch (Exception e)
                {
                    alteration.Error = e;
                    throw;
                }
            }
        }

        if (identity.Length > 0)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { CairnClient.IdentityHeader, identity } }).ConfigureAwait(false);
        }

        return reply;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        lock (_channels)
        {
            foreach (var channel in _channels)
            {
                channel.Dispose();
            }
        }
    }

    private sealed record Upstream(string Address, Wire.ImmuService.ImmuServiceClient Client);
}

/// <summary>The gRPC service of <see cref="LyingServer"/>: every call the SDK makes, forwarded.</summary>
internal sealed class LyingService : Wire.ImmuService.ImmuServiceBase
{
    internal LyingServer Owner { get; set; } = null!;

    public override Task<Wire.LoginResponse> Login(Wire.LoginRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(Login), request, context, (c, r, o) => c.LoginAsync(r, o));

    public override Task<Google.Protobuf.WellKnownTypes.Empty> Logout(Google.Protobuf.WellKnownTypes.Empty request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(Logout), request, context, (c, r, o) => c.LogoutAsync(r, o));

    public override Task<Wire.OpenSessionResponse> OpenSession(Wire.OpenSessionRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(OpenSession), request, context, (c, r, o) => c.OpenSessionAsync(r, o));

    public override Task<Google.Protobuf.WellKnownTypes.Empty> CloseSession(Google.Protobuf.WellKnownTypes.Empty request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(CloseSession), request, context, (c, r, o) => c.CloseSessionAsync(r, o));

    public override Task<Google.Protobuf.WellKnownTypes.Empty> KeepAlive(Google.Protobuf.WellKnownTypes.Empty request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(KeepAlive), request, context, (c, r, o) => c.KeepAliveAsync(r, o));

    public override Task<Wire.UseDatabaseReply> UseDatabase(Wire.Database request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(UseDatabase), request, context, (c, r, o) => c.UseDatabaseAsync(r, o));

    public override Task<Wire.HealthResponse> Health(Google.Protobuf.WellKnownTypes.Empty request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(Health), request, context, (c, r, o) => c.HealthAsync(r, o));

    public override Task<Wire.ImmutableState> CurrentState(Google.Protobuf.WellKnownTypes.Empty request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(CurrentState), request, context, (c, r, o) => c.CurrentStateAsync(r, o));

    public override Task<Wire.TxHeader> Set(Wire.SetRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(Set), request, context, (c, r, o) => c.SetAsync(r, o));

    public override Task<Wire.VerifiableTx> VerifiableSet(Wire.VerifiableSetRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(VerifiableSet), request, context, (c, r, o) => c.VerifiableSetAsync(r, o));

    public override Task<Wire.Entry> Get(Wire.KeyRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(Get), request, context, (c, r, o) => c.GetAsync(r, o));

    public override Task<Wire.VerifiableEntry> VerifiableGet(Wire.VerifiableGetRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(VerifiableGet), request, context, (c, r, o) => c.VerifiableGetAsync(r, o));

    public override Task<Wire.Entries> GetAll(Wire.KeyListRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(GetAll), request, context, (c, r, o) => c.GetAllAsync(r, o));

    public override Task<Wire.TxHeader> Delete(Wire.DeleteKeysRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(Delete), request, context, (c, r, o) => c.DeleteAsync(r, o));

    public override Task<Wire.Entries> Scan(Wire.ScanRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(Scan), request, context, (c, r, o) => c.ScanAsync(r, o));

    public override Task<Wire.EntryCount> Count(Wire.KeyPrefix request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(Count), request, context, (c, r, o) => c.CountAsync(r, o));

    public override Task<Wire.Entries> History(Wire.HistoryRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(History), request, context, (c, r, o) => c.HistoryAsync(r, o));

    public override Task<Wire.TxHeader> SetReference(Wire.ReferenceRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(SetReference), request, context, (c, r, o) => c.SetReferenceAsync(r, o));

    public override Task<Wire.VerifiableTx> VerifiableSetReference(Wire.VerifiableReferenceRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(VerifiableSetReference), request, context, (c, r, o) => c.VerifiableSetReferenceAsync(r, o));

    public override Task<Wire.TxHeader> ZAdd(Wire.ZAddRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(ZAdd), request, context, (c, r, o) => c.ZAddAsync(r, o));

    public override Task<Wire.VerifiableTx> VerifiableZAdd(Wire.VerifiableZAddRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(VerifiableZAdd), request, context, (c, r, o) => c.VerifiableZAddAsync(r, o));

    public override Task<Wire.ZEntries> ZScan(Wire.ZScanRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(ZScan), request, context, (c, r, o) => c.ZScanAsync(r, o));

    public override Task<Wire.Tx> TxById(Wire.TxRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(TxById), request, context, (c, r, o) => c.TxByIdAsync(r, o));

    public override Task<Wire.VerifiableTx> VerifiableTxById(Wire.VerifiableTxRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(VerifiableTxById), request, context, (c, r, o) => c.VerifiableTxByIdAsync(r, o));

    public override Task<Wire.TxList> TxScan(Wire.TxScanRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(TxScan), request, context, (c, r, o) => c.TxScanAsync(r, o));

    public override Task<Wire.ServerInfoResponse> ServerInfo(Wire.ServerInfoRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(ServerInfo), request, context, (c, r, o) => c.ServerInfoAsync(r, o));

    public override Task<Wire.UserList> ListUsers(Google.Protobuf.WellKnownTypes.Empty request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(ListUsers), request, context, (c, r, o) => c.ListUsersAsync(r, o));

    public override Task<Google.Protobuf.WellKnownTypes.Empty> CreateUser(Wire.CreateUserRequest request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(CreateUser), request, context, (c, r, o) => c.CreateUserAsync(r, o));

    public override Task<Google.Protobuf.WellKnownTypes.Empty> CreateDatabase(Wire.Database request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(CreateDatabase), request, context, (c, r, o) => c.CreateDatabaseAsync(r, o));

    public override Task<Wire.DatabaseListResponseV2> DatabaseListV2(Wire.DatabaseListRequestV2 request, ServerCallContext context) =>
        Owner.ForwardAsync(nameof(DatabaseListV2), request, context, (c, r, o) => c.DatabaseListV2Async(r, o));
}
