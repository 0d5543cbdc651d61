// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Net;
using Grpc.Core;

namespace Cairn.Server.Grpc;

/// <summary>The client address the login back-off counts failures against.</summary>
public static class ClientAddresses
{
    /// <summary>
    /// The address of <see cref="ServerCallContext.Peer"/> (<c>ipv4:1.2.3.4:5678</c>, <c>ipv6:[::1]:5678</c>) without
    /// its port; an IPv6 client counts as its /64 network, since one client typically holds a whole /64. Null
    /// when the peer has no IP address.
    /// </summary>
    public static string? FromPeer(string? peer)
    {
        if (string.IsNullOrEmpty(peer))
        {
            return null;
        }

        string text = peer;
        int scheme = text.IndexOf(':', StringComparison.Ordinal);
        if (text.StartsWith("ipv4:", StringComparison.Ordinal) || text.StartsWith("ipv6:", StringComparison.Ordinal))
        {
            text = text[(scheme + 1)..];
        }

        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            text = close > 0 ? text[1..close] : text;
        }
        else if (text.Count(c => c == ':') == 1)
        {
            text = text[..text.IndexOf(':', StringComparison.Ordinal)];
        }

        if (!IPAddress.TryParse(text, out var address))
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !IPAddress.IsLoopback(address))
        {
            byte[] bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }

        return address.ToString();
    }
}
