// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;

namespace Cairn.Storage;

/// <summary>How <see cref="Database.WriteAsync"/> commits a transaction.</summary>
public sealed record TxWriteOptions
{
    /// <summary>Conditions checked atomically with the commit.</summary>
    public IReadOnlyList<Precondition>? Preconditions { get; init; }

    /// <summary>Complete once durable, without waiting for the key index.</summary>
    public bool NoWait { get; init; }

    /// <summary>
    /// Header metadata, e.g. provenance in <see cref="TxMetadata.Extra"/>. Any metadata makes the transaction a
    /// version-1 transaction, which immudb SDKs of 1.1 and older cannot verify (immudb-format §6.3).
    /// </summary>
    public TxMetadata? TxMetadata { get; init; }
}
