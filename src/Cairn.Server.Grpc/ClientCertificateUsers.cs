// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Security.Cryptography.X509Certificates;
using Grpc.Core;

namespace Cairn.Server.Grpc;

/// <summary>
/// The rule that maps a client certificate to a user: the subject's common name (CN), exactly one, is the user
/// name. The transport has already checked the certificate against the client CAs; this only reads the name.
/// </summary>
public static class ClientCertificateUsers
{
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>The user the call's client certificate names.</summary>
    /// <exception cref="RpcException">Unauthenticated: no certificate, or its subject has no single CN.</exception>
    public static string UserOf(ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "a client certificate is required"));
        return UserOf(certificate)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "the client certificate's subject must have exactly one CN naming a user"));
    }

    /// <summary>The subject's single CN, or null when it has none or several.</summary>
    /// <remarks>Not <c>GetNameInfo(SimpleName)</c>: that falls back to other fields (e-mail, OU), which must not name users.</remarks>
    public static string? UserOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string? name = null;
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements)
            {
                // A CN hidden in a multi-valued RDN would be read differently by different tools: refuse.
                return null;
            }

            if (rdn.GetSingleElementType().Value != CommonNameOid)
            {
                continue;
            }

            if (name is not null)
            {
                return null;
            }

            name = rdn.GetSingleElementValue();
            if (string.IsNullOrEmpty(name))
            {
                return null;
            }
        }

        return name;
    }
}
