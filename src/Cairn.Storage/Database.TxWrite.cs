// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;

namespace Cairn.Storage;

public sealed partial class Database
{
    /// <summary>
    /// Runs <paramref name="operations"/> atomically as one transaction, as <see cref="ExecAllAsync"/>, with the
    /// header metadata of <paramref name="options"/> (a bound reference or member with atTx 0 is bound to this tx).
    /// </summary>
    /// <exception cref="StorageException">Invalid input, a failed precondition, or a failed database.</exception>
    public Task<TxHeader> WriteAsync(IReadOnlyList<Operation> operations, TxWriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return CommitAsync(operations, options.Preconditions, options.NoWait, options.TxMetadata, cancellationToken);
    }
}
