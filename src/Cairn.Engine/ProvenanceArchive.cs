// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;

namespace Cairn.Engine;

/// <summary>
/// Keeps the full provenance record of a transaction whose header could only hold its digest (the record was
/// longer than 256 bytes; docs/formats/provenance.md). The audit database is the intended implementation; the
/// header's digest (<see cref="ProvenanceInfo.IsRecordOf"/>) proves that a stored record is the one written.
/// </summary>
public interface IProvenanceArchive
{
    /// <summary>Called once the transaction is durable. Must not throw for the write to be reported as it is.</summary>
    /// <param name="database">The database the transaction belongs to.</param>
    /// <param name="header">The committed header (its <c>extra</c> holds the digest form).</param>
    /// <param name="fullRecord">The full record (<see cref="Provenance.ToFullRecord"/>).</param>
    /// <param name="cancellationToken">The call's cancellation.</param>
    Task StoreAsync(string database, TxHeader header, byte[] fullRecord, CancellationToken cancellationToken);
}
