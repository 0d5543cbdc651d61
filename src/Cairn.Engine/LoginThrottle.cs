// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Engine;

/// <summary>How failed logins slow down further attempts.</summary>
public sealed record LoginThrottleOptions
{
    /// <summary>Failures, per user name or per client address, before attempts are refused for a while; 0 turns throttling off.</summary>
    public int Failures { get; init; } = 3;

    /// <summary>The first back-off; each further failure doubles it.</summary>
    public TimeSpan Base { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest back-off. Failures are also forgotten after this long without a new one.</summary>
    public TimeSpan Max { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most user names, and most addresses, remembered at once (each its own table).</summary>
    public int MaxEntries { get; init; } = 10_000;

    /// <summary>Whether throttling is on.</summary>
    public bool Enabled => Failures > 0;
}

/// <summary>Which counter a back-off came from, for the log.</summary>
public enum ThrottleKey
{
    /// <summary>The user name given (known or not).</summary>
    User,

    /// <summary>The client's address.</summary>
    Address,
}

/// <summary>
/// Failed-login counters per user name and per client address with exponential back-off: after
/// <see cref="LoginThrottleOptions.Failures"/> failures the next attempt waits <see cref="LoginThrottleOptions.Base"/>,
/// then twice as long after each further failure, up to <see cref="LoginThrottleOptions.Max"/>. A success clears
/// the user's and the address's counters.
/// </summary>
/// <remarks>
/// Keyed by the name as given, so an unknown user is throttled exactly like a real one and the refusal tells
/// nothing about which names exist. Memory is bounded: each table holds at most
/// <see cref="LoginThrottleOptions.MaxEntries"/>, forgetting expired counters first, then the oldest; user names
/// and addresses have separate tables so a flood of made-up names cannot push out the counter of an address.
/// </remarks>
public sealed class LoginThrottle
{
    private readonly LoginThrottleOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Counter> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Counter> _addresses = new(StringComparer.Ordinal);

    /// <summary>Creates the throttle.</summary>
    public LoginThrottle(LoginThrottleOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Counters held now (users and addresses), for tests and diagnostics.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _users.Count + _addresses.Count;
            }
        }
    }

    /// <summary>How long an attempt for <paramref name="user"/> from <paramref name="address"/> must still wait; zero when it may go ahead.</summary>
    public TimeSpan RetryAfter(string user, string? address)
    {
        if (!_options.Enabled)
        {
            return TimeSpan.Zero;
        }

        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var wait = Remaining(_users, user, now);
            if (address is not null)
            {
                var byAddress = Remaining(_addresses, address, now);
                wait = byAddress > wait ? byAddress : wait;
            }

            return wait;
        }
    }

    /// <summary>Counts a failed attempt.</summary>
    /// <returns>The back-offs that this failure started (empty while under the threshold).</returns>
    public IReadOnlyList<(ThrottleKey Key, int Failures, TimeSpan Window)> Failed(string user, string? address)
    {
        if (!_options.Enabled)
        {
            return [];
        }

        var now = _time.GetUtcNow();
        var started = new List<(ThrottleKey, int, TimeSpan)>(2);
        lock (_gate)
        {
            if (Fail(_users, user, now) is { } userWindow)
            {
                started.Add((ThrottleKey.User, userWindow.Failures, userWindow.Window));
            }

            if (address is not null && Fail(_addresses, address, now) is { } addressWindow)
            {
                started.Add((ThrottleKey.Address, addressWindow.Failures, addressWindow.Window));
            }
        }

        return started;
    }

    /// <summary>Clears the counters of a successful login.</summary>
    public void Succeeded(string user, string? address)
    {
        if (!_options.Enabled)
        {
            return;
        }

        lock (_gate)
        {
            _users.Remove(user);
            if (address is not null)
            {
                _addresses.Remove(address);
            }
        }
    }

    private TimeSpan Remaining(Dictionary<string, Counter> table, string key, DateTimeOffset now)
    {
        if (!table.TryGetValue(key, out var counter))
        {
            return TimeSpan.Zero;
        }

        if (IsExpired(counter, now))
        {
            table.Remove(key);
            return TimeSpan.Zero;
        }

        return counter.BlockedUntil > now ? counter.BlockedUntil - now : TimeSpan.Zero;
    }

    private (int Failures, TimeSpan Window)? Fail(Dictionary<string, Counter> table, string key, DateTimeOffset now)
    {
        if (!table.TryGetValue(key, out var counter) || IsExpired(counter, now))
        {
            MakeRoom(table, now);
            counter = new Counter();
            table[key] = counter;
        }

        counter.Failures++;
        counter.LastFailure = now;
        if (counter.Failures < _options.Failures)
        {
            return null;
        }

        var window = Window(counter.Failures - _options.Failures);
        counter.BlockedUntil = now + window;
        return (counter.Failures, window);
    }

    // Base · 2^excess, capped; the shift is bounded so it cannot overflow.
    private TimeSpan Window(int excess)
    {
        double factor = Math.Pow(2, Math.Min(excess, 40));
        double ticks = Math.Min(_options.Base.Ticks * factor, _options.Max.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    // Quiet for the longest back-off after the last failure (or the end of its back-off): start afresh.
    private bool IsExpired(Counter counter, DateTimeOffset now)
    {
        var since = counter.BlockedUntil > counter.LastFailure ? counter.BlockedUntil : counter.LastFailure;
        return now - since >= _options.Max;
    }

    private void MakeRoom(Dictionary<string, Counter> table, DateTimeOffset now)
    {
        if (table.Count < _options.MaxEntries)
        {
            return;
        }

        foreach (var (key, counter) in table)
        {
            if (IsExpired(counter, now))
            {
                table.Remove(key);
            }
        }

        if (table.Count < _options.MaxEntries)
        {
            return;
        }

        // Still full: drop the oldest tenth at once so a flood does not pay for a scan on every failure.
        int drop = Math.Max(1, table.Count / 10);
        foreach (var key in table.OrderBy(p => p.Value.LastFailure).Take(drop).Select(p => p.Key).ToList())
        {
            table.Remove(key);
        }
    }

    private sealed class Counter
    {
        public int Failures { get; set; }

        public DateTimeOffset LastFailure { get; set; }

        public DateTimeOffset BlockedUntil { get; set; }
    }
}
