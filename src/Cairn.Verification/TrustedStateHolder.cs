// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Verification;

/// <summary>
/// The states a client trusts, per database, for one server. The server's identity is pinned on first contact;
/// a server that later claims another identity is refused, never re-trusted (the rule of CVE-2022-39199). A state
/// moves forward only with a dual proof from the trusted one, and must be signed when a server key is given.
/// </summary>
/// <remarks>Thread-safe. Persistence is left to the client; this type holds the rules.</remarks>
public sealed class TrustedStateHolder
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ImmutableState> _states = new(StringComparer.Ordinal);
    private readonly byte[]? _serverPublicKey;
    private string? _serverIdentity;

    /// <summary>Creates a holder.</summary>
    /// <param name="serverIdentity">The identity to pin now, or null to pin the first one seen.</param>
    /// <param name="serverPublicKey">The server's state-signing key (0x04 || X || Y); when given, every state must be signed by it.</param>
    public TrustedStateHolder(string? serverIdentity = null, ReadOnlySpan<byte> serverPublicKey = default)
    {
        _serverIdentity = string.IsNullOrEmpty(serverIdentity) ? null : serverIdentity;
        _serverPublicKey = serverPublicKey.IsEmpty ? null : serverPublicKey.ToArray();
    }

    /// <summary>The pinned server identity, or null before first contact.</summary>
    public string? ServerIdentity
    {
        get
        {
            lock (_lock)
            {
                return _serverIdentity;
            }
        }
    }

    /// <summary>The trusted state of <paramref name="database"/>, or null when none is held yet.</summary>
    /// <exception cref="IntegrityException">The server claims another identity than the pinned one.</exception>
    public ImmutableState? Get(string serverIdentity, string database)
    {
        lock (_lock)
        {
            CheckIdentity(serverIdentity);
            return _states.GetValueOrDefault(database);
        }
    }

    /// <summary>
    /// Trusts <paramref name="state"/> as the first state of its database (first contact: nothing to prove against).
    /// Pins the server identity if none is pinned yet.
    /// </summary>
    /// <exception cref="IntegrityException">Another identity, a state already held, or a missing or bad signature.</exception>
    public void Bootstrap(string serverIdentity, ImmutableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_lock)
        {
            CheckIdentity(serverIdentity);
            CheckSignature(state);
            if (_states.TryGetValue(state.Database, out var held))
            {
                if (held.TxId == state.TxId && held.TxHash == state.TxHash)
                {
                    return;
                }

                IntegrityException.Throw(
                    IntegrityFailure.StaleOrDivergentState,
                    $"A state of '{state.Database}' is already trusted (tx {held.TxId}); a new one needs a proof.");
            }

            _serverIdentity ??= serverIdentity;
            _states[state.Database] = state;
        }
    }

    /// <summary>
    /// Moves the trusted state of <paramref name="newState"/>'s database forward after checking <paramref name="proof"/>,
    /// a dual proof from the trusted state to the new one. A state equal to the trusted one needs no proof.
    /// </summary>
    /// <exception cref="IntegrityException">Another identity, an older or diverging state, a bad proof or signature.</exception>
    public void Advance(string serverIdentity, ImmutableState newState, DualProof? proof)
    {
        ArgumentNullException.ThrowIfNull(newState);
        lock (_lock)
        {
            CheckIdentity(serverIdentity);
            CheckSignature(newState);
            if (!_states.TryGetValue(newState.Database, out var held))
            {
                IntegrityException.Throw(
                    IntegrityFailure.StaleOrDivergentState,
                    $"No state of '{newState.Database}' is trusted yet; bootstrap it first.");
            }

            if (newState.TxId < held.TxId)
            {
                IntegrityException.Throw(
                    IntegrityFailure.StaleOrDivergentState,
                    $"The server's state of '{newState.Database}' (tx {newState.TxId}) is older than the trusted one (tx {held.TxId}).");
            }

            if (newState.TxId == held.TxId)
            {
                if (newState.TxHash != held.TxHash)
                {
                    IntegrityException.Throw(
                        IntegrityFailure.StaleOrDivergentState,
                        $"The server's state of '{newState.Database}' at tx {newState.TxId} diverges from the trusted one.");
                }

                return;
            }

            if (held.TxId == 0)
            {
                // Nothing was committed when trust began, so any history extends it.
                _states[newState.Database] = newState;
                return;
            }

            DualProof.Verify(proof, held.TxId, newState.TxId, held.TxHash, newState.TxHash);
            _states[newState.Database] = newState;
        }
    }

    private void CheckIdentity(string serverIdentity)
    {
        if (string.IsNullOrEmpty(serverIdentity))
        {
            IntegrityException.Throw(IntegrityFailure.ServerIdentity, "The server did not state its identity.");
        }

        if (_serverIdentity is not null && !string.Equals(_serverIdentity, serverIdentity, StringComparison.Ordinal))
        {
            IntegrityException.Throw(
                IntegrityFailure.ServerIdentity,
                $"The server claims identity '{serverIdentity}', but '{_serverIdentity}' is trusted; refusing to trust a new state.");
        }
    }

    private void CheckSignature(ImmutableState state)
    {
        if (_serverPublicKey is not null)
        {
            StatePublicKey.Verify(state, _serverPublicKey);
        }
    }
}
