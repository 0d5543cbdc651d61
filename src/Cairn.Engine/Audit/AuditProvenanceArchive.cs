// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;

namespace Cairn.Engine.Audit;

/// <summary>
/// Keeps the full provenance record of a transaction whose header holds only its digest in the audit database, as a
/// record of method <see cref="Method"/> whose statement is <c>tx N provenance base64:…</c>. The header's digest
/// proves that the archived record is the one written; auditdb's own proofs prove it was not changed since.
/// </summary>
public sealed class AuditProvenanceArchive(AuditTrail trail) : IProvenanceArchive
{
    /// <summary>The method name of archived provenance records.</summary>
    public const string Method = "ProvenanceRecord";

    /// <summary>The statement's marker before the base64 record.</summary>
    public const string RecordMarker = " provenance base64:";

    /// <inheritdoc />
    public Task StoreAsync(string database, TxHeader header, byte[] fullRecord, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(fullRecord);
        Provenance? parsed;
        try
        {
            parsed = Provenance.ParseFullRecord(fullRecord);
        }
        catch (FormatException)
        {
            parsed = null; // archived as it is: the header's digest still identifies it
        }

        return trail.RecordAsync(new AuditEvent
        {
            Action = AuditAction.Query,
            User = parsed?.User,
            Address = parsed?.ClientAddress,
            Database = database,
            Method = Method,
            Statement = $"tx {header.Id}{RecordMarker}{Convert.ToBase64String(fullRecord)}",
            Success = true,
            Time = DateTimeOffset.UtcNow,
        }).AsTask();
    }
}
