// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage;

namespace Cairn.LoadGen;

/// <summary>A store under load: the engine or the reference log.</summary>
internal interface ITarget : IDisposable
{
    /// <summary>Commits the entries as one transaction; completes when it is durable.</summary>
    Task CommitAsync(KeyValue[] entries);

    /// <summary>The latest value of <paramref name="key"/>; throws when there is none.</summary>
    byte[] Get(byte[] key);

    /// <summary>Sync calls (fdatasync, fsync) made so far and the time they took.</summary>
    SyncCounter Syncs { get; }

    /// <summary>Committed transactions not yet readable by <see cref="Get"/> (the engine's index lag).</summary>
    long IndexLag { get; }

    /// <summary>Blocks until every committed transaction is readable by <see cref="Get"/>.</summary>
    void WaitUntilReadable();
}
