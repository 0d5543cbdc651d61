// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cairn.Auditor;

/// <summary>A database found tampered: when, and why.</summary>
/// <param name="Server">The server address.</param>
/// <param name="Database">The database.</param>
/// <param name="Since">When the auditor first found it.</param>
/// <param name="Reason">The failed check.</param>
public sealed record TamperVerdict(string Server, string Database, DateTimeOffset Since, string Reason);

/// <summary>
/// Tampering verdicts kept in a JSON file beside the trust file. A verdict is never lifted by the auditor: once a
/// history failed a check, a later run that happens to pass (another sample, a server that stopped lying) proves
/// nothing about the damage already seen, so the database stays reported as tampered until an operator removes
/// the verdict (or the file) after investigating.
/// </summary>
public sealed class VerdictStore
{
    private readonly Dictionary<(string Server, string Database), TamperVerdict> _verdicts = [];

    /// <summary>Loads the verdicts in <paramref name="path"/> (none when the file does not exist).</summary>
    /// <exception cref="InvalidDataException">The file exists but cannot be read: refusing beats forgetting a verdict.</exception>
    public VerdictStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(Path))
        {
            return;
        }

        try
        {
            var file = JsonSerializer.Deserialize(File.ReadAllBytes(Path), VerdictJson.Default.VerdictFile);
            foreach (var verdict in file?.Verdicts ?? [])
            {
                _verdicts[(verdict.Server, verdict.Database)] = verdict;
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the verdict file {Path} cannot be read ({e.Message}); restore it rather than delete it", e);
        }
    }

    /// <summary>The verdict file for a trust file: <c>STATE-FILE.verdicts.json</c>.</summary>
    public static string PathFor(string stateFile) => stateFile + ".verdicts.json";

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The verdict on a database, if it was found tampered.</summary>
    public TamperVerdict? Find(string server, string database) => _verdicts.GetValueOrDefault((server, database));

    /// <summary>Records a verdict (the first one stands) and writes the file atomically.</summary>
    public TamperVerdict Record(string server, string database, string reason, DateTimeOffset at)
    {
        if (Find(server, database) is { } existing)
        {
            return existing;
        }

        var verdict = new TamperVerdict(server, database, at, reason);
        _verdicts[(server, database)] = verdict;
        Write();
        return verdict;
    }

    private void Write()
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

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, new VerdictFile(1, [.. _verdicts.Values]), VerdictJson.Default.VerdictFile);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    internal sealed record VerdictFile(int Format, List<TamperVerdict> Verdicts);
}

[JsonSerializable(typeof(VerdictStore.VerdictFile))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class VerdictJson : JsonSerializerContext;
