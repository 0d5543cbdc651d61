// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using System.Text;

namespace Cairn.Verification;

/// <summary>An ECDSA signature over a state, with the signer's public key (immudb's Signature message).</summary>
/// <param name="PublicKey">Uncompressed SEC1 P-256 point: 0x04 || X || Y (65 bytes).</param>
/// <param name="Signature">ASN.1 DER SEQUENCE { r, s } over SHA-256 of the state's signing bytes.</param>
public sealed record StateSignature(byte[] PublicKey, byte[] Signature);

/// <summary>
/// What a client trusts about a database: its name, last transaction id and that transaction's Alh
/// (immudb-format §3). An empty database is (name, 0, H("")).
/// </summary>
/// <param name="Database">Database name.</param>
/// <param name="TxId">Last committed transaction.</param>
/// <param name="TxHash">Alh of <paramref name="TxId"/>.</param>
/// <param name="Signature">The server's signature, when it signs states.</param>
public sealed record ImmutableState(string Database, ulong TxId, Digest TxHash, StateSignature? Signature = null)
{
    /// <summary>The bytes that are signed: u32(len db) || db (UTF-8) || u64(txId) || txHash.</summary>
    public byte[] SigningBytes()
    {
        int nameLength = Encoding.UTF8.GetByteCount(Database);
        var bytes = new byte[sizeof(uint) + nameLength + sizeof(ulong) + Digest.Size];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)nameLength);
        Encoding.UTF8.GetBytes(Database, bytes.AsSpan(sizeof(uint)));
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(sizeof(uint) + nameLength), TxId);
        TxHash.WriteTo(bytes.AsSpan(sizeof(uint) + nameLength + sizeof(ulong)));
        return bytes;
    }

    /// <summary>The same state without its signature.</summary>
    public ImmutableState WithoutSignature() => this with { Signature = null };
}
