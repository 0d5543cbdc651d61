// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cairn.LoadGen;

/// <summary>The sync calls .NET does not expose: fdatasync(2), fsync(2) of a file and of a folder.</summary>
internal static partial class Native
{
    // O_RDONLY | O_DIRECTORY on Linux.
    private const int OpenDirectoryReadOnly = 0x10000;

    /// <summary>fdatasync(2): the data written so far is durable; the inode is flushed only if its size changed.</summary>
    public static void DataSync(SafeFileHandle handle) => Run(handle, data: true);

    /// <summary>fsync(2): data and inode.</summary>
    public static void FullSync(SafeFileHandle handle) => Run(handle, data: false);

    /// <summary>Makes the entries of a folder (a newly created file) durable.</summary>
    public static void SyncDirectory(string path)
    {
        int fd = OpenPath(path, OpenDirectoryReadOnly);
        if (fd < 0)
        {
            throw new IOException($"open({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync({path}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static void Run(SafeFileHandle handle, bool data)
    {
        bool referenced = false;
        try
        {
            handle.DangerousAddRef(ref referenced);
            int fd = (int)handle.DangerousGetHandle();
            int result = data ? Fdatasync(fd) : Fsync(fd);
            if (result != 0)
            {
                throw new IOException($"{(data ? "fdatasync" : "fsync")} failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            if (referenced)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenPath(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
