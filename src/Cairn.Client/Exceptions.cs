// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;
using Grpc.Core;

namespace Cairn.Client;

/// <summary>
/// Base of every failure the client reports. Catch a subtype to handle one kind: <see cref="CairnConnectionException"/>,
/// <see cref="CairnAuthenticationException"/>, <see cref="CairnPermissionException"/>, <see cref="CairnNotFoundException"/>,
/// <see cref="CairnIntegrityException"/>, or <see cref="CairnRequestException"/> for any other refusal.
/// </summary>
public abstract class CairnException : Exception
{
    private protected CairnException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The gRPC status the server answered, when the failure came from the server.</summary>
    public StatusCode? Status => (InnerException as RpcException)?.StatusCode;
}

/// <summary>The server could not be reached, the connection broke, or TLS could not be agreed on.</summary>
public sealed class CairnConnectionException : CairnException
{
    /// <summary>A connection failure of kind <see cref="CairnConnectionFailure.Unreachable"/>.</summary>
    public CairnConnectionException(string message, Exception? innerException = null)
        : this(message, innerException, CairnConnectionFailure.Unreachable)
    {
    }

    /// <summary>A connection failure of a known kind.</summary>
    public CairnConnectionException(string message, Exception? innerException, CairnConnectionFailure failure)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>What went wrong, so that a tool can say which setting to change.</summary>
    public CairnConnectionFailure Failure { get; }
}

/// <summary>Why a connection failed (see <see cref="CairnConnectionException.Failure"/>).</summary>
public enum CairnConnectionFailure
{
    /// <summary>No answer: nothing listens, the network or the server failed, or the deadline passed.</summary>
    Unreachable,

    /// <summary>
    /// The server's TLS certificate did not validate: it does not chain to a trusted CA (the system's, or
    /// <see cref="CairnClientOptions.TrustedCertificateAuthorities"/>), does not name the host, or is expired.
    /// </summary>
    ServerCertificateNotTrusted,

    /// <summary>The client spoke plaintext HTTP/2 and the server closed the connection: it most likely requires TLS.</summary>
    ServerRequiresTls,

    /// <summary>The client started TLS and the server did not answer with TLS: it most likely listens without TLS.</summary>
    ServerWithoutTls,

    /// <summary>
    /// The server ended the connection during or right after the TLS handshake: it most likely requires a client
    /// certificate (mutual TLS) and got none, or refused the one it got.
    /// </summary>
    ClientCertificateRefused,
}

/// <summary>Wrong credentials, no login, an expired token or a closed session.</summary>
public sealed class CairnAuthenticationException(string message, Exception? innerException = null) : CairnException(message, innerException);

/// <summary>The user lacks the permission the call needs.</summary>
public sealed class CairnPermissionException(string message, Exception? innerException = null) : CairnException(message, innerException);

/// <summary>The key, transaction, user or database does not exist.</summary>
public sealed class CairnNotFoundException(string message, Exception? innerException = null) : CairnException(message, innerException);

/// <summary>Any other refusal by the server (invalid arguments, limits, preconditions…).</summary>
public sealed class CairnRequestException(string message, Exception? innerException = null) : CairnException(message, innerException);

/// <summary>
/// An answer did not verify: altered data or proofs, a history that does not extend the trusted state, a server
/// with another identity, or a missing or bad signature. The trusted state is left as it was.
/// </summary>
public sealed class CairnIntegrityException : CairnException
{
    /// <summary>Wraps the verification failure.</summary>
    public CairnIntegrityException(IntegrityException innerException)
        : base("integrity check failed: " + innerException?.Message, innerException)
    {
        ArgumentNullException.ThrowIfNull(innerException);
        Failure = innerException.Failure;
    }

    /// <summary>Which check failed.</summary>
    public IntegrityFailure Failure { get; }
}

/// <summary>Turns gRPC errors into the client's exceptions.</summary>
internal static class ClientErrors
{
    public static CairnException From(RpcException e) => e.StatusCode switch
    {
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => new CairnConnectionException($"cannot reach the server: {e.Status.Detail}", e),

        // Grpc.Net.Client reports a failed TLS handshake (untrusted certificate, refused client certificate) as
        // Internal; it is a connection failure, not something the server said.
        _ when e.Status.DebugException is HttpRequestException => new CairnConnectionException($"cannot reach the server: {e.Status.Detail}", e),
        StatusCode.Unauthenticated => new CairnAuthenticationException(e.Status.Detail, e),
        StatusCode.PermissionDenied => e.Status.Detail == "user is not active"
            ? new CairnAuthenticationException(e.Status.Detail, e)
            : new CairnPermissionException(e.Status.Detail, e),
        StatusCode.NotFound => new CairnNotFoundException(e.Status.Detail, e),
        _ when e.Status.Detail.EndsWith("key not found", StringComparison.Ordinal) || e.Status.Detail.EndsWith("tx not found", StringComparison.Ordinal)
            => new CairnNotFoundException(e.Status.Detail, e),
        _ => new CairnRequestException(string.IsNullOrEmpty(e.Status.Detail) ? e.StatusCode.ToString() : e.Status.Detail, e),
    };
}
