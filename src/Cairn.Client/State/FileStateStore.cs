// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text.Json;
using System.Text.Json.Serialization;
using Cairn.Verification;

namespace Cairn.Client.State;

/// <summary>
/// Trust kept in a JSON file (owner-only), rewritten atomically (temporary file, fsync, rename) after every state the
/// client verifies. One file can hold many servers. A file that cannot be read is an error, never a fresh start:
/// starting over would trust whatever the server says next.
/// </summary>
public sealed class FileStateStore(string path) : IStateStore, IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>The file.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <inheritdoc />
    public async ValueTask<TrustedServer?> LoadAsync(string serverAddress, CancellationToken cancellationToken = default)
    {
        var file = await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!file.Servers.TryGetValue(serverAddress, out var stored))
        {
            return null;
        }

        var states = new Dictionary<string, ImmutableState>(StringComparer.Ordinal);
        foreach (var (database, state) in stored.States)
        {
            StateSignature? signature = state.PublicKey is null || state.Signature is null
                ? null
                : new StateSignature(Convert.FromHexString(state.PublicKey), Convert.FromHexString(state.Signature));
            states[database] = new ImmutableState(database, state.TxId, Digest.FromHex(state.TxHash), signature);
        }

        return new TrustedServer(stored.Identity, states);
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(string serverAddress, TrustedServer server, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var file = await ReadAsync(cancellationToken).ConfigureAwait(false);
            file.Servers[serverAddress] = new StoredServer(server.ServerIdentity, server.States.ToDictionary(
                s => s.Key,
                s => new StoredState(s.Value.TxId, s.Value.TxHash.ToString(),
                    s.Value.Signature is null ? null : Convert.ToHexStringLower(s.Value.Signature.PublicKey),
                    s.Value.Signature is null ? null : Convert.ToHexStringLower(s.Value.Signature.Signature)),
                StringComparer.Ordinal));
            await WriteAsync(file, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<StoredFile> ReadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return new StoredFile(1, new Dictionary<string, StoredServer>(StringComparer.Ordinal));
        }

        try
        {
            await using var stream = File.OpenRead(Path);
            var file = await JsonSerializer.DeserializeAsync(stream, StateJson.Default.StoredFile, cancellationToken).ConfigureAwait(false);
            return file is { Format: 1 }
                ? file with { Servers = new Dictionary<string, StoredServer>(file.Servers, StringComparer.Ordinal) }
                : throw new IntegrityException(IntegrityFailure.StaleOrDivergentState, $"the state file {Path} has an unknown format");
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            throw new IntegrityException(IntegrityFailure.StaleOrDivergentState, $"the state file {Path} cannot be read ({e.Message}); restore it rather than delete it", e);
        }
    }

    private async Task WriteAsync(StoredFile file, CancellationToken cancellationToken)
    {
        string? folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        string temporary = Path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(temporary, options))
        {
            await JsonSerializer.SerializeAsync(stream, file, StateJson.Default.StoredFile, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();

    internal sealed record StoredFile(int Format, Dictionary<string, StoredServer> Servers);

    internal sealed record StoredServer(string Identity, Dictionary<string, StoredState> States);

    internal sealed record StoredState(ulong TxId, string TxHash, string? PublicKey, string? Signature);
}

[JsonSerializable(typeof(FileStateStore.StoredFile))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class StateJson : JsonSerializerContext;
