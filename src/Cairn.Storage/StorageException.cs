// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Storage;

/// <summary>Why an operation was refused. Front ends map each code to their protocol's error once.</summary>
public enum StorageErrorCode
{
    /// <summary>The key has no (live) value, or not in the asked tx or revision. immudb: "key not found".</summary>
    KeyNotFound,

    /// <summary>No transaction with that id. immudb: "tx not found".</summary>
    TxNotFound,

    /// <summary>Arguments that can never be valid (empty key, atTx with sinceTx, …). immudb: "illegal arguments".</summary>
    IllegalArguments,

    /// <summary>A tx id beyond the last committed one was named. immudb: "illegal state".</summary>
    IllegalState,

    /// <summary>A stored key is longer than the limit.</summary>
    MaxKeyLengthExceeded,

    /// <summary>A stored value is longer than the limit.</summary>
    MaxValueLengthExceeded,

    /// <summary>A transaction has more entries than the limit.</summary>
    MaxTxEntriesExceeded,

    /// <summary>A transaction is larger than the limit in bytes.</summary>
    MaxTxSizeExceeded,

    /// <summary>The same key twice in one transaction.</summary>
    DuplicatedKey,

    /// <summary>A precondition of the transaction does not hold.</summary>
    PreconditionFailed,

    /// <summary>A plain key cannot be turned into a reference.</summary>
    FinalKeyCannotBeConvertedIntoReference,

    /// <summary>References and sorted-set members cannot point to a reference.</summary>
    ReferencedKeyCannotBeAReference,

    /// <summary>A reference chain deeper than one level.</summary>
    MaxKeyResolutionLimitReached,

    /// <summary>History offset equal to the number of versions.</summary>
    NoMoreEntries,

    /// <summary>A scan, history or tx scan limit above the maximum.</summary>
    MaxScanLimitExceeded,

    /// <summary>Waiting for the index to reach a tx took longer than allowed.</summary>
    IndexTimeout,

    /// <summary>A write or sync failed: the database accepts no more writes until reopened.</summary>
    DatabaseFailed,

    /// <summary>The database is closed.</summary>
    DatabaseClosed,
}

/// <summary>An operation the engine refused, with a stable <see cref="Code"/>.</summary>
public sealed class StorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StorageException(StorageErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>Why the operation was refused.</summary>
    public StorageErrorCode Code { get; }

    internal static StorageException KeyNotFound() => new(StorageErrorCode.KeyNotFound, "key not found");

    internal static StorageException IllegalArguments(string detail) => new(StorageErrorCode.IllegalArguments, $"illegal arguments: {detail}");
}
