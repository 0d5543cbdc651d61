// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using System.Text.Json;
using Cairn.Storage.Devices;
using Cairn.Verification;

namespace Cairn.Storage;

/// <summary>
/// <c>cairn.meta</c>: the format version, the database name, and whether it was closed cleanly at which tx and Alh.
/// Written to a temporary file, synced, renamed over the old one and the folder synced, so it is never torn. After a
/// clean close the log must end exactly at the recorded tx; after a crash (clean = false) a torn tail is expected.
/// </summary>
internal sealed record Meta(string Name, bool Clean, ulong LastTxId, Digest LastAlh)
{
    public const string FileName = "cairn.meta";
    public const int FormatVersion = 1;

    public static Meta? Read(IStorageDevice device, string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!device.Exists(path))
        {
            return null;
        }

        using var file = device.Open(path, create: false);
        var bytes = new byte[file.Length];
        file.Read(0, bytes);
        try
        {
            using var json = JsonDocument.Parse(bytes);
            var root = json.RootElement;
            int format = root.GetProperty("format").GetInt32();
            if (format != FormatVersion)
            {
                throw new IntegrityException(IntegrityFailure.DataMismatch, $"{path}: format version {format} is not supported (this build reads {FormatVersion}).");
            }

            return new Meta(
                root.GetProperty("name").GetString() ?? string.Empty,
                root.GetProperty("clean").GetBoolean(),
                root.GetProperty("lastTxId").GetUInt64(),
                Digest.FromHex(root.GetProperty("lastAlh").GetString() ?? string.Empty));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new IntegrityException(IntegrityFailure.DataMismatch, $"{path} is damaged: {e.Message}", e);
        }
    }

    public static void Write(IStorageDevice device, string folder, Meta meta)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("format", FormatVersion);
            writer.WriteString("name", meta.Name);
            writer.WriteBoolean("clean", meta.Clean);
            writer.WriteNumber("lastTxId", meta.LastTxId);
            writer.WriteString("lastAlh", meta.LastAlh.ToString());
            writer.WriteEndObject();
        }

        string path = Path.Combine(folder, FileName);
        string temporary = path + ".tmp";
        device.Delete(temporary);
        using (var file = device.Open(temporary, create: true))
        {
            file.Write(0, stream.ToArray());
            file.Write(stream.Length, Encoding.ASCII.GetBytes("\n"));
            file.Sync();
        }

        device.Rename(temporary, path);
        device.SyncDirectory(folder);
    }
}
