// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using Google.Protobuf;
using Grpc.Core;

namespace Cairn.Server.Tests;

/// <summary>Small helpers to write requests and assert refusals.</summary>
internal static class WireHelpers
{
    public static ByteString B(string text) => ByteString.CopyFromUtf8(text);

    public static string S(ByteString bytes) => Encoding.UTF8.GetString(bytes.Span);

    public static async Task<RpcException> Refused(StatusCode code, Func<Task> call, string? messageContains = null)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(code == e.StatusCode, $"expected {code}, got {e.StatusCode}: {e.Status.Detail}");
        if (messageContains is not null)
        {
            Assert.Contains(messageContains, e.Status.Detail, StringComparison.Ordinal);
        }

        return e;
    }
}
