// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification;

/// <summary>Reads committed transaction headers by id; the storage engine implements it over its log.</summary>
public interface ITxHeaderSource
{
    /// <summary>The header of committed tx <paramref name="txId"/> (1-based).</summary>
    TxHeader GetHeader(ulong txId);
}
