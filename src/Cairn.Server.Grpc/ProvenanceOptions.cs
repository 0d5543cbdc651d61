// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Engine;
using Cairn.Verification;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Grpc;

/// <summary>Whether and how the gRPC writes record who wrote each transaction in its header (provenance).</summary>
public sealed record ProvenanceOptions
{
    /// <summary>
    /// Write provenance (version-1 headers) on every API write; default true. False writes version-0 headers
    /// without provenance, which immudb SDKs of 1.1 and older (e.g. immudb-node 1.1.1) can verify.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Databases that never get provenance whatever <see cref="Enabled"/> says (for old SDKs).</summary>
    public IReadOnlySet<string> DisabledDatabases { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Where full records go when only their digest fits the header; null: nowhere (only the digest stays).</summary>
    public IProvenanceArchive? Archive { get; init; }

    /// <summary>Whether writes to <paramref name="database"/> carry provenance.</summary>
    public bool IsEnabledFor(string database) => Enabled && !DisabledDatabases.Contains(database);
}

/// <summary>The archive used until the audit database takes full records: writes each to the server log (Information).</summary>
public sealed partial class LoggingProvenanceArchive(ILogger logger) : IProvenanceArchive
{
    /// <inheritdoc />
    public Task StoreAsync(string database, TxHeader header, byte[] fullRecord, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        Archived(logger, database, header.Id, Convert.ToBase64String(fullRecord));
        return Task.CompletedTask;
    }

    [LoggerMessage(3050, LogLevel.Information, "Provenance of tx {TxId} in {Database} is over 256 bytes; its header holds the SHA-256 of this full record (base64): {Record}")]
    private static partial void Archived(ILogger logger, string database, ulong txId, string record);
}
