// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Storage.Devices;

/// <summary>
/// Every byte the engine reads or writes goes through a device, so tests can put a faulty one underneath
/// (failing the Nth write or sync, tearing a write, running out of space) and prove nothing acknowledged is lost.
/// </summary>
public interface IStorageDevice
{
    /// <summary>Opens <paramref name="path"/> for reading and writing, creating it (owner-only) when asked.</summary>
    IStorageFile Open(string path, bool create);

    /// <summary>True when the file exists.</summary>
    bool Exists(string path);

    /// <summary>Deletes a file if it exists.</summary>
    void Delete(string path);

    /// <summary>Creates a folder (owner-only) and its parents.</summary>
    void CreateDirectory(string path);

    /// <summary>Makes the entries of folder <paramref name="path"/> (new or renamed files) durable.</summary>
    void SyncDirectory(string path);

    /// <summary>Names of the files in <paramref name="path"/> matching <paramref name="pattern"/>.</summary>
    IReadOnlyList<string> List(string path, string pattern);

    /// <summary>Atomically replaces <paramref name="destination"/> with <paramref name="source"/>.</summary>
    void Rename(string source, string destination);
}

/// <summary>A file addressed by offset; writes are positional and nothing is durable before <see cref="Sync"/>.</summary>
public interface IStorageFile : IDisposable
{
    /// <summary>The file's path.</summary>
    string Path { get; }

    /// <summary>Current length in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/>; returns how many were read (fewer only at the end).</summary>
    int Read(long offset, Span<byte> buffer);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>.</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Makes every completed write durable (fdatasync).</summary>
    void Sync();

    /// <summary>Sets the length, cutting or extending with zeros.</summary>
    void SetLength(long length);
}
