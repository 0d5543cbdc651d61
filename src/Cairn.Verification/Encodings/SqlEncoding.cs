// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using System.Text;

namespace Cairn.Verification.Encodings;

/// <summary>
/// Stored keys of the SQL engine (immudb-format §1.1): 0x02 || ASCII mapping prefix || binary parts.
/// Identifiers are u32 big-endian. SQL stored values carry no prefix byte: the row bytes are hashed as they are.
/// </summary>
public static class SqlEncoding
{
    /// <summary>Catalog entry of a database.</summary>
    public const string CatalogDatabase = "CTL.DATABASE.";

    /// <summary>Catalog entry of a table.</summary>
    public const string CatalogTable = "CTL.TABLE.";

    /// <summary>Catalog entry of a column.</summary>
    public const string CatalogColumn = "CTL.COLUMN.";

    /// <summary>Catalog entry of an index.</summary>
    public const string CatalogIndex = "CTL.INDEX.";

    /// <summary>Rows, keyed by primary key.</summary>
    public const string RowPrefix = "P.";

    /// <summary>Secondary (non-unique) index entries.</summary>
    public const string SecondaryIndexPrefix = "S.";

    /// <summary>Unique index entries.</summary>
    public const string UniqueIndexPrefix = "U.";

    /// <summary>0x02 || <paramref name="mappingPrefix"/> || each part in order.</summary>
    public static byte[] StoredKey(string mappingPrefix, params ReadOnlySpan<byte[]> parts)
    {
        ArgumentNullException.ThrowIfNull(mappingPrefix);
        int length = 1 + Encoding.ASCII.GetByteCount(mappingPrefix);
        foreach (var part in parts)
        {
            length += part.Length;
        }

        var stored = new byte[length];
        stored[0] = KeySpaces.Sql;
        int at = 1 + Encoding.ASCII.GetBytes(mappingPrefix, stored.AsSpan(1));
        foreach (var part in parts)
        {
            part.CopyTo(stored, at);
            at += part.Length;
        }

        return stored;
    }

    /// <summary>u32 big-endian, the encoding of database, table, column and index identifiers.</summary>
    public static byte[] EncodeId(uint id)
    {
        var bytes = new byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, id);
        return bytes;
    }

    /// <summary>The catalog key of database <paramref name="databaseId"/>: 0x02 || "CTL.DATABASE." || u32(id).</summary>
    public static byte[] DatabaseCatalogKey(uint databaseId) => StoredKey(CatalogDatabase, EncodeId(databaseId));

    /// <summary>
    /// The stored key of a row: 0x02 || "P." || u32(db) || u32(table) || u32(primary index) || encoded primary key.
    /// </summary>
    public static byte[] RowKey(uint databaseId, uint tableId, uint primaryIndexId, ReadOnlySpan<byte> encodedPrimaryKey) =>
        StoredKey(RowPrefix, EncodeId(databaseId), EncodeId(tableId), EncodeId(primaryIndexId), encodedPrimaryKey.ToArray());
}
