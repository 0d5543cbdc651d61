// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;

namespace Cairn.LoadGen;

/// <summary>CPU time of this process's threads by role, from /proc/self/task/*/schedstat (nanoseconds on CPU).</summary>
internal static class ThreadCpu
{
    /// <summary>
    /// Seconds on CPU so far of the single writer thread (the engine's committer or the reference's writer) and of
    /// the engine's indexing (its indexer thread and RocksDB's background threads). Zeros where /proc is missing.
    /// </summary>
    public static (double Writer, double Index) Sample()
    {
        double writer = 0, index = 0;
        if (!Directory.Exists("/proc/self/task"))
        {
            return (0, 0);
        }

        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                // Thread names are cut to 15 characters: "cairn-commit de", "cairn-index def", "reference-write".
                string name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd();
                bool isWriter = name.StartsWith("cairn-commit", StringComparison.Ordinal) || name.StartsWith("reference-writ", StringComparison.Ordinal);
                bool isIndex = name.StartsWith("cairn-index", StringComparison.Ordinal) || name.StartsWith("rocksdb", StringComparison.Ordinal);
                if (!isWriter && !isIndex)
                {
                    continue;
                }

                string schedstat = File.ReadAllText(Path.Combine(task, "schedstat"));
                double seconds = long.Parse(schedstat.AsSpan(0, schedstat.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture) / 1e9;
                if (isWriter)
                {
                    writer += seconds;
                }
                else
                {
                    index += seconds;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // The thread ended between listing and reading.
            }
        }

        return (writer, index);
    }
}
