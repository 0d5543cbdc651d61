// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>
/// A client whose connections come from another loopback address (127.0.0.0/8 is all loopback on Linux), so
/// one test machine can play several client addresses against the per-address login back-off.
/// </summary>
public sealed class SourceAddress : IDisposable
{
    private readonly GrpcChannel _channel;

    public SourceAddress(ServerProcess server, string source)
    {
        var local = IPAddress.Parse(source);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.Port}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        Client = new Wire.ImmuService.ImmuServiceClient(_channel);
    }

    public Wire.ImmuService.ImmuServiceClient Client { get; }

    public void Dispose() => _channel.Dispose();
}
