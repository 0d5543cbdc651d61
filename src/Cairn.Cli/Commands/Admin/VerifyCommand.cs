// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.CommandLine;
using System.Text.Json;
using Cairn.Cli.Output;
using Cairn.Storage.Verify;
using Spectre.Console;

namespace Cairn.Cli.Commands.Admin;

/// <summary>
/// <c>admin verify --dir D</c>: the storage engine's offline verification of every database in a stopped server's data
/// folder (no server needed). Exit 0 when all verify; otherwise 3, naming the first database, tx, file and offset.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(CommandHost host)
    {
        var dir = new Option<string>("--dir") { Description = "the server's data folder (the server must be stopped)", DefaultValueFactory = _ => "./data" };
        var skipIndex = new Option<bool>("--skip-index") { Description = "do not compare the key index with the log" };
        var command = new Command("verify", "Verify every database of a stopped server's data folder offline: every hash of every transaction, " +
            "the tree over them, and the derived files.") { dir, skipIndex };
        command.SetAction((parse, ct) =>
        {
            Renderer? output = null;
            return CommandHost.GuardAsync(null, () =>
            {
                output = new Renderer(host.Connection.Resolve(parse).Output);
                return Task.Run(() => Run(output, Path.GetFullPath(parse.GetValue(dir)!), !parse.GetValue(skipIndex), ct), ct);
            });
        });
        return command;
    }

    private static int Run(Renderer output, string dir, bool checkIndex, CancellationToken cancellationToken)
    {
        var folders = DatabaseFolders(dir);
        var results = new List<(string Name, VerifyReport Report)>();
        if (output.Format == OutputFormat.Table && output.IsTerminal)
        {
            output.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                .Start(context =>
                {
                    foreach (string folder in folders)
                    {
                        string name = Path.GetFileName(folder);
                        ulong total = LastTxId(folder);
                        var task = context.AddTask(name, maxValue: Math.Max(1, total));
                        task.IsIndeterminate = total == 0;
                        var report = DatabaseVerifier.Verify(folder, new Reporter(p => task.Value = p.TxId), checkIndex, cancellationToken: cancellationToken);
                        task.Value = task.MaxValue;
                        task.StopTask();
                        results.Add((name, report));
                    }
                });
        }
        else
        {
            foreach (string folder in folders)
            {
                string name = Path.GetFileName(folder);
                if (output.Format == OutputFormat.Table)
                {
                    output.Line($"verifying {name}");
                }

                results.Add((name, DatabaseVerifier.Verify(folder, null, checkIndex, cancellationToken: cancellationToken)));
            }
        }

        var databases = results.Select(r => new VerifiedDatabaseView(r.Name, r.Report.Transactions, r.Report.Entries, r.Report.Bytes, r.Report.IndexEntries, r.Report.Ok,
            [.. r.Report.Problems.OrderBy(p => p.Rebuildable).Select(p => new VerifyProblemView(r.Name, p.TxId, p.File, p.Offset, p.Message, p.Rebuildable))])).ToList();
        var first = databases.SelectMany(d => d.Problems).FirstOrDefault();
        output.Render(new VerifySummaryView(dir, databases, (ulong)databases.Sum(d => (decimal)d.Txs), (ulong)databases.Sum(d => (decimal)d.Entries), first is null, first));
        if (first is not null)
        {
            output.Error($"{first.Database}: {Tables.Describe(first)}");
            return ExitCodes.Integrity;
        }

        return ExitCodes.Ok;
    }

    // Every sub-folder that is (or was) a Cairn database: it has cairn.meta or a log. systemdb and defaultdb first.
    private static List<string> DatabaseFolders(string dir)
    {
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"no data folder at {dir}");
        }

        var folders = Directory.GetDirectories(dir)
            .Where(f => File.Exists(Path.Combine(f, "cairn.meta")) || Directory.Exists(Path.Combine(f, "log")))
            .OrderBy(f => Path.GetFileName(f) switch { "systemdb" => 0, "defaultdb" => 1, _ => 2 })
            .ThenBy(f => Path.GetFileName(f), StringComparer.Ordinal)
            .ToList();
        return folders.Count > 0 ? folders : throw new DirectoryNotFoundException($"no Cairn database in {dir}");
    }

    // The last tx a clean close recorded: the length of the progress bar (0 when unknown, e.g. after a crash).
    private static ulong LastTxId(string folder)
    {
        try
        {
            using var meta = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "cairn.meta")));
            return meta.RootElement.TryGetProperty("lastTxId", out var last) && last.TryGetUInt64(out ulong id) ? id : 0;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return 0; // the verification itself reports what is wrong with the file
        }
    }

    // Reports synchronously on the verifying thread (Progress<T> would post out of order).
    private sealed class Reporter(Action<VerifyProgress> report) : IProgress<VerifyProgress>
    {
        public void Report(VerifyProgress value) => report(value);
    }
}
