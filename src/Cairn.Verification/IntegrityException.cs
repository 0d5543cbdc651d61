// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics.CodeAnalysis;

namespace Cairn.Verification;

/// <summary>What kind of check failed.</summary>
public enum IntegrityFailure
{
    /// <summary>A proof is structurally invalid (wrong sizes, indexes, missing parts).</summary>
    MalformedProof,

    /// <summary>An entry is not included in its transaction's Merkle tree.</summary>
    EntryInclusion,

    /// <summary>A transaction is not included in the tree over all transactions.</summary>
    TreeInclusion,

    /// <summary>Two tree states are not consistent: history was rewritten.</summary>
    TreeConsistency,

    /// <summary>The last-inclusion proof of a tree does not hold.</summary>
    TreeLastInclusion,

    /// <summary>The chain of accumulated linear hashes does not link two transactions.</summary>
    LinearProof,

    /// <summary>Transactions covered only by the linear chain are not in the tree (CVE-2022-36111).</summary>
    LinearAdvanceProof,

    /// <summary>A transaction header does not hash to the expected Alh.</summary>
    HeaderMismatch,

    /// <summary>A state signature is missing, malformed or does not verify.</summary>
    Signature,

    /// <summary>A server claims another identity than the one trusted (CVE-2022-39199).</summary>
    ServerIdentity,

    /// <summary>A state is older than, or diverges from, the trusted one.</summary>
    StaleOrDivergentState,

    /// <summary>Stored data does not match its recorded hash.</summary>
    DataMismatch,
}

/// <summary>
/// Raised when data or a proof does not verify. It is never a user error and must never be swallowed:
/// it means the server, the network or the files cannot be trusted for what was asked.
/// </summary>
public class IntegrityException : IOException
{
    /// <summary>Creates the exception.</summary>
    public IntegrityException(IntegrityFailure failure, string message)
        : base(message)
    {
        Failure = failure;
    }

    /// <summary>Creates the exception with the failure that caused it.</summary>
    public IntegrityException(IntegrityFailure failure, string message, Exception? innerException)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>What kind of check failed.</summary>
    public IntegrityFailure Failure { get; }

    /// <summary>Throws an <see cref="IntegrityException"/>; kept out of line so verifiers stay small.</summary>
    [DoesNotReturn]
    [System.Diagnostics.StackTraceHidden]
    public static void Throw(IntegrityFailure failure, string message) => throw new IntegrityException(failure, message);
}
