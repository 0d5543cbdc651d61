// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification.Encodings;

/// <summary>
/// The first byte of every stored key: which part of the database an entry belongs to.
/// These bytes are hashed, so they are part of the format and never change.
/// </summary>
public static class KeySpaces
{
    /// <summary>Key-value space: plain values and references.</summary>
    public const byte KeyValue = 0x00;

    /// <summary>Sorted-set members (ZAdd).</summary>
    public const byte SortedSet = 0x01;

    /// <summary>The SQL engine: catalog, rows and indexes.</summary>
    public const byte Sql = 0x02;

    /// <summary>The document engine (immudb 1.9+); reserved.</summary>
    public const byte Document = 0x03;
}
