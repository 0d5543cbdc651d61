// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cairn.Storage.Devices;

/// <summary>
/// The real device: positional I/O through <see cref="RandomAccess"/> on <see cref="SafeFileHandle"/>s, fdatasync(2)
/// for durability (the inode is not flushed when only data changed: on this machine's disk that doubles the
/// syncs per second), and owner-only permissions on everything it creates.
/// </summary>
public sealed partial class FileStorageDevice : IStorageDevice
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The shared instance.</summary>
    public static FileStorageDevice Instance { get; } = new();

    /// <inheritdoc />
    public IStorageFile Open(string path, bool create)
    {
        var options = new FileStreamOptions
        {
            Mode = create ? FileMode.OpenOrCreate : FileMode.Open,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            Options = FileOptions.None,
        };
        if (create && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        return new File(path, new FileStream(path, options));
    }

    /// <inheritdoc />
    public bool Exists(string path) => System.IO.File.Exists(path);

    /// <inheritdoc />
    public void Delete(string path) => System.IO.File.Delete(path);

    /// <inheritdoc />
    public void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerOnlyDirectory);
        }
    }

    /// <inheritdoc />
    public void SyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // .NET opens no handle on a folder, so this goes to open(2) directly; a new entry is durable only after it.
        int fd = Native.Open(path, Native.ReadOnlyDirectory);
        if (fd < 0)
        {
            throw new IOException($"Opening folder {path} to sync it failed: errno {Marshal.GetLastPInvokeError()}.");
        }

        try
        {
            if (Native.Fsync(fd) != 0)
            {
                throw new IOException($"fsync of folder {path} failed: errno {Marshal.GetLastPInvokeError()}.");
            }
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> List(string path, string pattern) =>
        Directory.Exists(path) ? [.. Directory.GetFiles(path, pattern).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)] : [];

    /// <inheritdoc />
    public void Rename(string source, string destination) => System.IO.File.Move(source, destination, overwrite: true);

    private sealed class File(string path, FileStream stream) : IStorageFile
    {
        // Positional I/O on the stream's handle; the stream only owns it (its position is never used).
        private readonly SafeFileHandle handle = stream.SafeFileHandle;

        public string Path { get; } = path;

        public long Length => RandomAccess.GetLength(handle);

        public int Read(long offset, Span<byte> buffer)
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int read = RandomAccess.Read(handle, buffer[total..], offset + total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(handle, data, offset);

        public void Sync()
        {
            int result = OperatingSystem.IsLinux() ? Native.Fdatasync((int)handle.DangerousGetHandle()) : Native.Fsync((int)handle.DangerousGetHandle());
            if (result != 0)
            {
                throw new IOException($"fdatasync of {Path} failed: errno {Marshal.GetLastPInvokeError()}.");
            }
        }

        public void SetLength(long length) => RandomAccess.SetLength(handle, length);

        public void Dispose() => stream.Dispose();
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
        public static partial int Fdatasync(int fd);

        // O_RDONLY | O_DIRECTORY on Linux.
        public const int ReadOnlyDirectory = 0x10000;

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);
    }
}
