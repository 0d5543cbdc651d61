// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;

namespace Cairn.Client.State;

/// <summary>What a client trusts about one server: its pinned identity and the last verified state per database.</summary>
/// <param name="ServerIdentity">The identity pinned on first contact.</param>
/// <param name="States">The last verified state per database.</param>
public sealed record TrustedServer(string ServerIdentity, IReadOnlyDictionary<string, ImmutableState> States);

/// <summary>
/// Where a client keeps its trust between runs, keyed by server address. Implementations must write atomically:
/// a torn write must never leave a state the client did not verify.
/// </summary>
public interface IStateStore
{
    /// <summary>What is trusted about the server at <paramref name="serverAddress"/>, or null on first contact.</summary>
    ValueTask<TrustedServer?> LoadAsync(string serverAddress, CancellationToken cancellationToken = default);

    /// <summary>Records <paramref name="server"/> as the trust for <paramref name="serverAddress"/>.</summary>
    ValueTask SaveAsync(string serverAddress, TrustedServer server, CancellationToken cancellationToken = default);
}

/// <summary>Trust kept in memory for the client's lifetime.</summary>
public sealed class MemoryStateStore : IStateStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TrustedServer> _servers = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<TrustedServer?> LoadAsync(string serverAddress, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_servers.GetValueOrDefault(serverAddress));

    /// <inheritdoc />
    public ValueTask SaveAsync(string serverAddress, TrustedServer server, CancellationToken cancellationToken = default)
    {
        _servers[serverAddress] = server;
        return ValueTask.CompletedTask;
    }
}
