// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Client.State;

namespace Cairn.Auditor;

/// <summary>
/// Passes saves on only when the trust changed. The client saves after every verified call; the sampled reads of a
/// run prove older txs and leave the trust as it was, so this spares the trust file one fsync per sampled read.
/// </summary>
internal sealed class SaveOnChangeStateStore(IStateStore inner) : IStateStore
{
    private readonly Dictionary<string, TrustedServer> _saved = new(StringComparer.Ordinal);

    public async ValueTask<TrustedServer?> LoadAsync(string serverAddress, CancellationToken cancellationToken = default)
    {
        var server = await inner.LoadAsync(serverAddress, cancellationToken).ConfigureAwait(false);
        if (server is not null)
        {
            _saved[serverAddress] = server;
        }

        return server;
    }

    public async ValueTask SaveAsync(string serverAddress, TrustedServer server, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (_saved.TryGetValue(serverAddress, out var saved) && Same(saved, server))
        {
            return;
        }

        await inner.SaveAsync(serverAddress, server, cancellationToken).ConfigureAwait(false);
        _saved[serverAddress] = server;
    }

    private static bool Same(TrustedServer a, TrustedServer b) =>
        a.ServerIdentity == b.ServerIdentity
        && a.States.Count == b.States.Count
        && a.States.All(s => b.States.TryGetValue(s.Key, out var other) && other.TxId == s.Value.TxId && other.TxHash == s.Value.TxHash);
}
