// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;

namespace Cairn.Engine;

/// <summary>
/// Callers identified by a client certificate (mutual TLS). The transport has verified the certificate against
/// the configured client CAs and passes the user it names (<c>certificateUser</c>); the rule is:
/// <list type="bullet">
/// <item>a call with neither session nor token acts as that user (on defaultdb when the user may use it);</item>
/// <item>a session or token of any other user is refused, so a stolen token is useless without the matching key;</item>
/// <item>Login and OpenSession must name that user; an empty password is then enough, a given password is still checked.</item>
/// </list>
/// </summary>
public sealed partial class AccessManager
{
    /// <summary>Who is calling, when the connection carries a verified client certificate naming <paramref name="certificateUser"/>.</summary>
    /// <exception cref="EngineException">The credentials are invalid, name another user, or the user is unknown or inactive.</exception>
    public Caller Authenticate(string? sessionId, string? bearerToken, string certificateUser)
    {
        ArgumentNullException.ThrowIfNull(certificateUser);
        if (string.IsNullOrEmpty(sessionId) && string.IsNullOrEmpty(bearerToken))
        {
            UserRecord? user;
            lock (_gate)
            {
                _users.TryGetValue(certificateUser, out user);
            }

            if (user is not { Active: true })
            {
                throw new EngineException(EngineErrorCode.NotLoggedIn, $"not logged in: the client certificate names no active user '{certificateUser}'");
            }

            return new Caller(user.Name, InitialDatabase(user), null);
        }

        var caller = Authenticate(sessionId, bearerToken);
        return caller.User == certificateUser
            ? caller
            : throw EngineException.Denied($"permission denied: the client certificate is user '{certificateUser}', the credentials are user '{caller.User}'");
    }

    /// <summary>Login over a connection whose client certificate names <paramref name="certificateUser"/>: an empty password is enough.</summary>
    public (string Token, string? Warning) LoginWithCertificate(string userName, string password, string certificateUser, string? clientAddress = null) =>
        IssueLogin(CheckCertificateLogin(userName, password, certificateUser, clientAddress));

    /// <summary>OpenSession over a connection whose client certificate names <paramref name="certificateUser"/>: an empty password is enough.</summary>
    public Session OpenSessionWithCertificate(string userName, string password, string databaseName, string certificateUser, string? clientAddress = null) =>
        OpenSessionFor(CheckCertificateLogin(userName, password, certificateUser, clientAddress), databaseName);

    private UserRecord CheckCertificateLogin(string userName, string password, string certificateUser, string? clientAddress)
    {
        ArgumentNullException.ThrowIfNull(certificateUser);
        if (userName != certificateUser)
        {
            Logins.CountInvalidCredentials();
            throw EngineException.Denied($"permission denied: the client certificate is user '{certificateUser}', not '{userName}'");
        }

        if (password.Length > 0)
        {
            // A password given is checked as always: a wrong one is not rescued by the certificate.
            return CheckCredentials(userName, password, clientAddress);
        }

        UserRecord? user;
        lock (_gate)
        {
            _users.TryGetValue(userName, out user);
        }

        if (user is null)
        {
            Logins.CountInvalidCredentials();
            throw new EngineException(EngineErrorCode.InvalidCredentials, $"the client certificate names no user '{certificateUser}'");
        }

        if (!user.Active)
        {
            Logins.CountInactiveUser();
            throw new EngineException(EngineErrorCode.UserNotActive, "user is not active");
        }

        Logins.CountSucceeded();
        return user;
    }
}
