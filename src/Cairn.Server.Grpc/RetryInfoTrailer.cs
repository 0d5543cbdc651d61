// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Google.Protobuf;
using Grpc.Core;

namespace Cairn.Server.Grpc;

/// <summary>
/// gRPC's rich error status (<c>grpc-status-details-bin</c>: a <c>google.rpc.Status</c> carrying a
/// <c>google.rpc.RetryInfo</c>) for refusals that say when to retry. Written by hand with the protobuf runtime:
/// three small messages do not justify another package.
/// </summary>
internal static class RetryInfoTrailer
{
    public const string Key = "grpc-status-details-bin";
    private const string RetryInfoType = "type.googleapis.com/google.rpc.RetryInfo";

    /// <summary>Trailers with the status and its RetryInfo; empty when there is no delay.</summary>
    public static Metadata For(StatusCode code, string message, TimeSpan? retryAfter)
    {
        var trailers = new Metadata();
        if (retryAfter is not { } delay)
        {
            return trailers;
        }

        // google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; }
        var duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(Math.Ceiling(delay.TotalSeconds)));
        byte[] retryInfo = Message(o => o.WriteTag(1, WireFormat.WireType.LengthDelimited), o => o.WriteMessage(duration));

        // google.protobuf.Any { string type_url = 1; bytes value = 2; }
        byte[] any = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteString(RetryInfoType);
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
        }, o => o.WriteBytes(ByteString.CopyFrom(retryInfo)));

        // google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
        byte[] status = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt32((int)code);
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteString(message);
            o.WriteTag(3, WireFormat.WireType.LengthDelimited);
        }, o => o.WriteBytes(ByteString.CopyFrom(any)));
        trailers.Add(Key, status);
        return trailers;
    }

    private static byte[] Message(Action<CodedOutputStream> head, Action<CodedOutputStream> tail)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            head(output);
            tail(output);
        }

        return buffer.ToArray();
    }
}
