// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Microsoft.Extensions.Logging;

namespace Cairn.Server.Hosting;

/// <summary>
/// Permission checks at start: the data folder should be owner-only, and files that may hold secrets (the
/// config file, the users file, the signing key) should not be readable by every user. Problems are warnings,
/// not refusals: the operator may have reasons (e.g. a group-readable folder for backups).
/// </summary>
internal static class StartChecks
{
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private const UnixFileMode Others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>Warns when group or others may read, write or enter the data folder.</summary>
    public static void DataFolder(ILogger logger, string directory)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory))
        {
            return;
        }

        var mode = File.GetUnixFileMode(directory);
        if ((mode & GroupOrOthers) != 0)
        {
            ServerLog.DataFolderNotPrivate(logger, directory, Octal(mode));
        }
    }

    /// <summary>Warns when every user may read or write the file given with <paramref name="setting"/>.</summary>
    public static void SecretFile(ILogger logger, string setting, string? path)
    {
        if (path is null || OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & Others) != 0)
        {
            ServerLog.FileWorldAccessible(logger, setting, path, Octal(mode));
        }
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
}
