// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Security;
using Microsoft.Extensions.Logging;

namespace Cairn.Engine;

/// <summary>
/// Users, logins, tokens and sessions, and every authorization decision. Users live in systemdb; this keeps
/// the current records in memory so that a grant, revoke or deactivation applies at once to every token and
/// session (each request looks the user up again).
/// </summary>
public sealed partial class AccessManager : IDisposable
{
    /// <summary>The warning Login returns while the admin has immudb's default password (immudb's text).</summary>
    public const string DefaultPasswordWarning = "immudb user has the default password: please change it to ensure proper security";

    private readonly EngineOptions _options;
    private readonly DatabaseManager _databases;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, UserRecord> _users = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly AccessTokens _tokens;
    private readonly SessionManager _sessions;
    private readonly LoginThrottle _throttle;
    private volatile bool _adminHasDefaultPassword;

    private AccessManager(EngineOptions options, DatabaseManager databases)
    {
        _options = options;
        _databases = databases;
        _logger = options.LoggerFactory.CreateLogger("Cairn.Engine.Access");
        _tokens = new AccessTokens(options.TokenLifetime, options.Time);
        _sessions = new SessionManager(options.SessionIdleTimeout, options.MaxSessions, options.Time, _logger);
        _throttle = new LoginThrottle(options.LoginThrottle, options.Time);
    }

    /// <summary>Whether the admin user still has immudb's default password.</summary>
    public bool AdminHasDefaultPassword => _adminHasDefaultPassword;

    /// <summary>Sessions open now.</summary>
    public int OpenSessions => _sessions.Count;

    /// <summary>Logins and refused logins since start.</summary>
    public LoginStatistics Logins { get; } = new();

    internal static async Task<AccessManager> OpenAsync(EngineOptions options, DatabaseManager databases, CancellationToken cancellationToken)
    {
        var manager = new AccessManager(options, databases);
        try
        {
            foreach (var user in await databases.Catalog.LoadUsersAsync(cancellationToken).ConfigureAwait(false))
            {
                manager._users[user.Name] = user;
            }

            await manager.LoadRolesAsync(cancellationToken).ConfigureAwait(false);

            if (!manager._users.TryGetValue(UserNames.Admin, out var admin))
            {
                string password = options.InitialAdminPassword ?? UserNames.DefaultAdminPassword;
                if (options.InitialAdminPassword is not null && !PasswordPolicy.IsStrong(password))
                {
                    throw EngineException.Invalid("admin password: " + PasswordPolicy.Rule);
                }

                admin = new UserRecord(UserNames.Admin, PasswordHasher.Hash(password), Active: true, SysAdmin: true,
                    new Dictionary<string, Permission>(StringComparer.Ordinal), string.Empty, options.Time.GetUtcNow());
                await databases.Catalog.SaveUserAsync(admin, cancellationToken).ConfigureAwait(false);
                manager._users[admin.Name] = admin;
            }

            manager._adminHasDefaultPassword = PasswordHasher.Verify(UserNames.DefaultAdminPassword, admin.PasswordHash);
            if (manager._adminHasDefaultPassword)
            {
                EngineLog.DefaultAdminPassword(manager._logger);
            }

            return manager;
        }
        catch
        {
            manager.Dispose();
            throw;
        }
    }

    /// <summary>Checks a user name and password (immudb's Login) and issues a token.</summary>
    /// <param name="userName">The user name given.</param>
    /// <param name="password">The password given.</param>
    /// <param name="clientAddress">The client's address, for the per-address login back-off (null: none).</param>
    /// <returns>The token, and the default-password warning when it applies.</returns>
    public (string Token, string? Warning) Login(string userName, string password, string? clientAddress = null)
    {
        return IssueLogin(CheckCredentials(userName, password, clientAddress));
    }

    private (string Token, string? Warning) IssueLogin(UserRecord user)
    {
        // The token starts on defaultdb when the user may use it, as in immudb's single-database mode.
        string? warning = user.Name == UserNames.Admin && _adminHasDefaultPassword ? DefaultPasswordWarning : null;
        return (_tokens.Issue(user.Name, InitialDatabase(user)), warning);
    }

    private string? InitialDatabase(UserRecord user) =>
        MayUse(user, DatabaseNames.Default) ? DatabaseNames.Default : null;

    /// <summary>Checks credentials and opens a session on <paramref name="databaseName"/> (immudb's OpenSession).</summary>
    /// <param name="userName">The user name given.</param>
    /// <param name="password">The password given.</param>
    /// <param name="databaseName">The database the session works on.</param>
    /// <param name="clientAddress">The client's address, for the per-address login back-off (null: none).</param>
    public Session OpenSession(string userName, string password, string databaseName, string? clientAddress = null)
    {
        return OpenSessionFor(CheckCredentials(userName, password, clientAddress), databaseName);
    }

    private Session OpenSessionFor(UserRecord user, string databaseName)
    {
        string database = databaseName.ToLowerInvariant();
        RequireDatabaseAccess(user, database);
        return _sessions.Open(user.Name, database);
    }

    /// <summary>Who is calling, from a session id (preferred) or a bearer token.</summary>
    /// <exception cref="EngineException">No valid session or token.</exception>
    public Caller Authenticate(string? sessionId, string? bearerToken)
    {
        if (!string.IsNullOrEmpty(sessionId))
        {
            var session = _sessions.Use(sessionId) ?? throw new EngineException(EngineErrorCode.NoSession, "no session found");
            var caller = new Caller(session.User, session.Database, session.Id) { SessionReference = session.AuditReference };
            _ = CurrentUser(caller);
            return caller;
        }

        if (string.IsNullOrEmpty(bearerToken))
        {
            throw EngineException.NotLoggedIn();
        }

        string token = bearerToken.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? bearerToken[7..].Trim() : bearerToken.Trim();
        var validation = _tokens.Validate(token);
        switch (validation.Status)
        {
            case TokenStatus.Valid:
                var claims = validation.Claims!;
                var result = new Caller(claims.User, claims.Database, null);
                _ = CurrentUser(result);
                return result;
            case TokenStatus.Expired:
                throw new EngineException(EngineErrorCode.TokenExpired, "token has expired");
            default:
                throw EngineException.NotLoggedIn();
        }
    }

    /// <summary>Ends the caller's session (session mode) or every token of the user (token mode, as immudb).</summary>
    public void Logout(Caller caller)
    {
        if (caller.SessionId is not null)
        {
            _sessions.Close(caller.SessionId);
            return;
        }

        _tokens.RevokeAll(caller.User);
    }

    /// <summary>Closes the caller's session.</summary>
    public void CloseSession(Caller caller)
    {
        if (caller.SessionId is null || !_sessions.Close(caller.SessionId))
        {
            throw new EngineException(EngineErrorCode.NoSession, "no session found");
        }
    }

    /// <summary>Selects <paramref name="databaseName"/> for the caller: a new token, and the session's database switched.</summary>
    public string UseDatabase(Caller caller, string databaseName)
    {
        var user = CurrentUser(caller);
        string database = databaseName.ToLowerInvariant();
        RequireDatabaseAccess(user, database);
        if (caller.SessionId is not null && _sessions.Use(caller.SessionId) is { } session)
        {
            session.Database = database;
        }

        return _tokens.Issue(user.Name, database);
    }

    /// <summary>The caller's current user record.</summary>
    /// <exception cref="EngineException">The user no longer exists or was deactivated.</exception>
    public UserRecord CurrentUser(Caller caller)
    {
        lock (_gate)
        {
            if (_users.TryGetValue(caller.User, out var user) && user.Active)
            {
                return user;
            }
        }

        throw EngineException.NotLoggedIn();
    }

    /// <summary>
    /// The database the caller selected, if its permission there includes <paramref name="required"/>.
    /// </summary>
    /// <param name="caller">Who calls.</param>
    /// <param name="required">The least permission the operation needs.</param>
    /// <param name="operation">The operation's name, for the refusal message.</param>
    /// <param name="allowSystemDatabase">Whether the operation may act on systemdb (read-only verification, sysadmin only).</param>
    public (UserRecord User, string Database) RequireOnSelectedDatabase(Caller caller, Permission required, string operation, bool allowSystemDatabase = false)
    {
        var user = CurrentUser(caller);
        if (caller.Database is null)
        {
            throw new EngineException(EngineErrorCode.NoDatabaseSelected, "please select a database first");
        }

        if (caller.Database == DatabaseNames.System && !(allowSystemDatabase && user.SysAdmin))
        {
            throw EngineException.Denied($"permission denied: {operation} is not allowed on {DatabaseNames.System}");
        }

        RefuseAuditWrite(caller.Database, required);

        var held = user.PermissionOn(caller.Database);
        if (!held.Includes(required) && !HoldsDataPrivilegeFor(user, caller.Database, required))
        {
            throw EngineException.Denied($"permission denied: {operation} requires the {required.Name()} permission on database '{caller.Database}' (user '{user.Name}' has {held.Name()})");
        }

        return (user, caller.Database);
    }

    /// <summary>Refuses unless the caller is a sysadmin.</summary>
    public UserRecord RequireSysAdmin(Caller caller, string operation)
    {
        var user = CurrentUser(caller);
        return user.SysAdmin
            ? user
            : throw EngineException.Denied($"permission denied: {operation} requires the sysadmin permission (user '{user.Name}' is not a sysadmin)");
    }

    private UserRecord CheckCredentials(string userName, string password, string? clientAddress)
    {
        RefuseWhileBackingOff(userName, clientAddress);
        UserRecord? user;
        lock (_gate)
        {
            _users.TryGetValue(userName, out user);
        }

        // The hash is checked even for unknown users so that timing does not tell which names exist.
        bool matches = PasswordHasher.Verify(password, user?.PasswordHash ?? UnknownUserHash.Value);

        // Again after the hash: parallel attempts that passed the first check while failures were being
        // counted get the back-off answer too, right password or not, so parallelism does not buy guesses.
        RefuseWhileBackingOff(userName, clientAddress);
        if (user is null || !matches)
        {
            Logins.CountInvalidCredentials();
            RecordFailedLogin(userName, clientAddress, known: user is not null);
            throw new EngineException(EngineErrorCode.InvalidCredentials, "invalid user name or password");
        }

        if (!user.Active)
        {
            Logins.CountInactiveUser();
            throw new EngineException(EngineErrorCode.UserNotActive, "user is not active");
        }

        Logins.CountSucceeded();
        _throttle.Succeeded(userName, clientAddress);
        return user;
    }

    // Refuses in the same words whether or not the database exists, unless the caller may see every database.
    private void RequireDatabaseAccess(UserRecord user, string database)
    {
        if (user.SysAdmin)
        {
            if (database != DatabaseNames.System && _databases.Find(database) is null)
            {
                throw new EngineException(EngineErrorCode.NotFound, $"'{database}' does not exist");
            }

            return;
        }

        if (!MayUse(user, database) || _databases.Find(database) is null)
        {
            throw EngineException.Denied("Logged in user does not have permission on this database");
        }
    }

    private static readonly Lazy<string> UnknownUserHash = new(() => PasswordHasher.Hash(Guid.NewGuid().ToString("N")));

    /// <summary>Stops the session sweeper.</summary>
    public void Dispose()
    {
        _sessions.Dispose();
        _writeLock.Dispose();
    }
}
