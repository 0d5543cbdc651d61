// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Cairn.Engine;

/// <summary>An open session (immudb 1.2+ session mode): a user bound to one database, alive while used.</summary>
public sealed class Session
{
    private long _lastActivityTicks;
    private string _database;
    private string? _auditReference;

    internal Session(string id, string user, string database, DateTimeOffset now)
    {
        Id = id;
        User = user;
        _database = database;
        _lastActivityTicks = now.UtcTicks;
    }

    /// <summary>The id clients send as <c>sessionid</c>.</summary>
    public string Id { get; }

    /// <summary>Who opened it.</summary>
    public string User { get; }

    /// <summary>How audit records name the session (<see cref="Audit.AuditEvent.SessionReference"/>), hashed once per session.</summary>
    public string AuditReference => _auditReference ??= Audit.AuditEvent.SessionReference(Id);

    /// <summary>The database it works on (UseDatabase switches it).</summary>
    public string Database
    {
        get => Volatile.Read(ref _database);
        internal set => Volatile.Write(ref _database, value);
    }

    /// <summary>When it was last used.</summary>
    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    internal void Touch(DateTimeOffset now) => Interlocked.Exchange(ref _lastActivityTicks, now.UtcTicks);
}

/// <summary>
/// Open sessions, bounded in number. A session idle longer than the timeout is gone: checked on every use (so
/// expiry is exact) and swept by a timer (so abandoned sessions do not hold a slot).
/// </summary>
internal sealed class SessionManager : IDisposable
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly TimeSpan _idleTimeout;
    private readonly int _maxSessions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _sweeper;

    public SessionManager(TimeSpan idleTimeout, int maxSessions, TimeProvider time, ILogger logger)
    {
        _idleTimeout = idleTimeout;
        _maxSessions = maxSessions;
        _time = time;
        _logger = logger;
        var period = TimeSpan.FromTicks(Math.Clamp(idleTimeout.Ticks / 3, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(1).Ticks));
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
    }

    public int Count => _sessions.Count;

    public Session Open(string user, string database)
    {
        Sweep();
        if (_sessions.Count >= _maxSessions)
        {
            throw new EngineException(EngineErrorCode.ResourceExhausted, "max sessions number reached");
        }

        var session = new Session(System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)), user, database, _time.GetUtcNow());
        _sessions[session.Id] = session;
        return session;
    }

    /// <summary>The live session with that id, its activity refreshed; null when none (or it expired).</summary>
    public Session? Use(string id)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (now - session.LastActivity > _idleTimeout)
        {
            Expire(session);
            return null;
        }

        session.Touch(now);
        return session;
    }

    public bool Close(string id) => _sessions.TryRemove(id, out _);

    public void CloseAllOf(string user)
    {
        foreach (var session in _sessions.Values)
        {
            if (string.Equals(session.User, user, StringComparison.Ordinal))
            {
                _sessions.TryRemove(session.Id, out _);
            }
        }
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var session in _sessions.Values)
        {
            if (now - session.LastActivity > _idleTimeout)
            {
                Expire(session);
            }
        }
    }

    private void Expire(Session session)
    {
        if (_sessions.TryRemove(session.Id, out _))
        {
            EngineLog.SessionExpired(_logger, session.Id[..8], session.User);
        }
    }

    public void Dispose() => _sweeper.Dispose();
}
