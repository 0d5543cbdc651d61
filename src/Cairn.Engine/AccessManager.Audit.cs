// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;

namespace Cairn.Engine;

/// <summary>The rules of auditdb: read with its own grant (or as sysadmin), never written through the API.</summary>
public sealed partial class AccessManager
{
    /// <summary>The refusal of every write to auditdb, whoever asks.</summary>
    public const string AuditAppendOnly = "permission denied: the audit database is append-only and written by the server only";

    // Anything above read on auditdb would change or manage it: refused for everyone, sysadmin included.
    private static void RefuseAuditWrite(string database, Permission required)
    {
        if (database == DatabaseNames.Audit && required > Permission.Read)
        {
            throw EngineException.Denied(AuditAppendOnly);
        }
    }

    // Read is the only permission auditdb can be granted with; it is how a non-sysadmin auditor gets access.
    private static void RequireGrantableOnAudit(string database, uint permission)
    {
        if (database == DatabaseNames.Audit && permission != (uint)Permission.Read)
        {
            throw EngineException.Invalid($"only the read permission can be granted on {DatabaseNames.Audit}");
        }
    }
}
