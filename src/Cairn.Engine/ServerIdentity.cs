// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Security.Cryptography;

namespace Cairn.Engine;

/// <summary>
/// The server's identity, sent as <c>immudb-uuid</c> on every response so clients keep a trusted state per
/// server. Made once, 20 characters like immudb's xid ids, and kept in the data folder.
/// </summary>
public static class ServerIdentity
{
    /// <summary>The file in the data folder that holds the identity.</summary>
    public const string FileName = "cairn.identifier";

    private const string Alphabet = "0123456789abcdefghijklmnopqrstuv";
    private const int Length = 20;

    /// <summary>Reads the identity of the data folder, creating it on first use.</summary>
    /// <exception cref="InvalidDataException">The file exists but holds no valid identity.</exception>
    public static string LoadOrCreate(string dataDirectory)
    {
        string path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            string existing = File.ReadAllText(path).Trim();
            if (existing.Length != Length || existing.Any(c => !Alphabet.Contains(c, StringComparison.Ordinal)))
            {
                throw new InvalidDataException($"{path} does not hold a server identity ({Length} characters of [0-9a-v]); restore it from a backup or remove it to make a new one");
            }

            return existing;
        }

        Span<char> id = stackalloc char[Length];
        for (int i = 0; i < id.Length; i++)
        {
            id[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        string identity = new(id);
        string temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(identity + "\n"));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: false);
        return identity;
    }
}
