// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using System.Text.Json;
using Cairn.Engine;
using Cairn.Server.Diagnostics;
using Cairn.Storage;
using Cairn.Storage.Devices;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Tests;

/// <summary>
/// /health and the health gauge once a storage failure stopped a database, in process: a failing fsync cannot be
/// caused in the real server from outside.
/// </summary>
public sealed class HealthTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_database_stopped_by_a_storage_failure_makes_health_503_and_names_it()
    {
        var device = new SyncFailingDevice();
        var metrics = new ServerMetrics("test");
        using var engine = await CairnEngine.OpenAsync(new EngineOptions
        {
            DataDirectory = Path.Combine(_folder.Path, "data"),
            DatabaseTemplate = new DatabaseOptions { Device = device, CommitObserver = metrics },
        });
        metrics.Attach(engine);

        var (status, json) = await HealthAsync(engine);
        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());

        device.FailSyncs = true;
        var defaultDb = engine.Databases.Find("defaultdb")!;
        await Assert.ThrowsAsync<StorageException>(() => defaultDb.SetAsync([new KeyValue("k"u8.ToArray(), "v"u8.ToArray())]));
        Assert.NotNull(defaultDb.Failure);

        (status, json) = await HealthAsync(engine);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("failing", json.RootElement.GetProperty("status").GetString());
        Assert.Contains("defaultdb", json.RootElement.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));

        using var exported = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(exported);
        string text = Encoding.UTF8.GetString(exported.ToArray());
        Assert.Contains("cairn_database_healthy{database=\"defaultdb\"} 0", text, StringComparison.Ordinal);
    }

    private static async Task<(int Status, JsonDocument Json)> HealthAsync(CairnEngine engine)
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        await MetricsEndpoint.WriteHealthAsync(context, engine);
        return (context.Response.StatusCode, JsonDocument.Parse(body.ToArray()));
    }

    /// <summary>The real file device, whose fsyncs of log segments fail once armed.</summary>
    private sealed class SyncFailingDevice : IStorageDevice
    {
        private readonly FileStorageDevice _inner = FileStorageDevice.Instance;

        public volatile bool FailSyncs;

        public IStorageFile Open(string path, bool create) => new File(this, _inner.Open(path, create));

        public bool Exists(string path) => _inner.Exists(path);

        public void Delete(string path) => _inner.Delete(path);

        public void CreateDirectory(string path) => _inner.CreateDirectory(path);

        public void SyncDirectory(string path) => _inner.SyncDirectory(path);

        public IReadOnlyList<string> List(string path, string pattern) => _inner.List(path, pattern);

        public void Rename(string source, string destination) => _inner.Rename(source, destination);

        private sealed class File(SyncFailingDevice device, IStorageFile inner) : IStorageFile
        {
            public string Path => inner.Path;

            public long Length => inner.Length;

            public int Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);

            public void Write(long offset, ReadOnlySpan<byte> data) => inner.Write(offset, data);

            public void Sync()
            {
                if (device.FailSyncs && Path.EndsWith(".seg", StringComparison.Ordinal))
                {
                    throw new IOException("injected fsync failure");
                }

                inner.Sync();
            }

            public void SetLength(long length) => inner.SetLength(length);

            public void Dispose() => inner.Dispose();
        }
    }
}
