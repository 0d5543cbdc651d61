// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Security.Cryptography;
using System.Text;
using Cairn.Storage;
using Cairn.Verification;
using Grpc.Core;

namespace Cairn.Server.Grpc;

/// <summary>Provenance: every API write records who wrote it in its header's metadata (docs/formats/provenance.md).</summary>
public sealed partial class ImmuGrpcService
{
    /// <summary>gRPC metadata a client sets to say what it is (e.g. an application name); recorded, not trusted.</summary>
    public const string OriginHeader = "x-cairn-origin";

    /// <summary>gRPC metadata with the client's request id; recorded, not trusted.</summary>
    public const string RequestIdHeader = "x-request-id";

    /// <summary>Commits <paramref name="operations"/> with the caller's provenance when the database records it.</summary>
    private async Task<TxHeader> CommitAsync(Database database, IReadOnlyList<Operation> operations, IReadOnlyList<Precondition>? preconditions, bool noWait, ServerCallContext context)
    {
        var provenance = options.Provenance.IsEnabledFor(database.Name) ? ProvenanceOf(context).Encode() : null;
        var header = await database.WriteAsync(operations, new TxWriteOptions
        {
            Preconditions = preconditions,
            NoWait = noWait,
            TxMetadata = provenance is null ? null : new TxMetadata(extra: provenance.Extra),
        }, context.CancellationToken).ConfigureAwait(false);
        if (provenance is { IsDigestForm: true } && options.Provenance.Archive is { } archive)
        {
            await archive.StoreAsync(database.Name, header, provenance.FullRecord, CancellationToken.None).ConfigureAwait(false);
        }

        return header;
    }

    /// <summary>The caller as the interceptor authenticated it, where it connected from, and what it says about itself.</summary>
    private static Provenance ProvenanceOf(ServerCallContext context)
    {
        var caller = CallerInterceptor.Caller(context);
        return new Provenance
        {
            User = Clip(caller.User),
            ClientAddress = Clip(context.Peer),
            SessionId = caller.SessionId is { } session ? SessionTag(session) : null,
            Origin = ClientSupplied(context, OriginHeader),
            RequestId = ClientSupplied(context, RequestIdHeader),
        };
    }

    // A session id is a bearer credential: whoever reads the header must not be able to act as the writer. The
    // header keeps the first 16 bytes of its SHA-256 (hex): enough to tell sessions apart and to match a known id.
    private static string SessionTag(string sessionId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sessionId)).AsSpan(0, 16));

    // ASP.NET Core joins a header sent more than once into one value ("a, b"): that is what gets recorded.
    private static string? ClientSupplied(ServerCallContext context, string name)
    {
        string? value = context.RequestHeaders.GetValue(name);
        if (value is not null && Encoding.UTF8.GetByteCount(value) > Provenance.MaxFieldLength)
        {
            throw ApiErrors.IllegalArguments($"{name} is longer than {Provenance.MaxFieldLength} bytes");
        }

        return value;
    }

    // Server-side values are bounded in practice (user names ≤ 128); cut rather than fail a write if one is not.
    private static string? Clip(string? value)
    {
        if (value is null || Encoding.UTF8.GetByteCount(value) <= Provenance.MaxFieldLength)
        {
            return value;
        }

        int length = Math.Min(value.Length, Provenance.MaxFieldLength);
        while (Encoding.UTF8.GetByteCount(value.AsSpan(0, length)) > Provenance.MaxFieldLength || char.IsHighSurrogate(value[length - 1]))
        {
            length--;
        }

        return value[..length];
    }
}
