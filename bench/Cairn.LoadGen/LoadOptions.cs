// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;

namespace Cairn.LoadGen;

/// <summary>Command-line options, parsed by hand (<c>--name value</c>).</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        Cairn load generator: the storage engine against a minimal hash-chained reference log, same workload, one run.

        Usage: dotnet run -c Release --project bench/Cairn.LoadGen -- [options]
          --seconds S          measured seconds per workload and run (default 5)
          --runs R             runs per workload; the median is printed (default 3)
          --warmup S           seconds run before measuring, each run (default 1)
          --workloads LIST     any of 1,2,3,4 or writes,batch,reads,proofs (default all)
                                 1 writes  single-entry transactions, --writers concurrent writers
                                 2 batch   1,000-entry transactions, 1 writer
                                 3 reads   point reads of random existing keys, --read-threads threads
                                 4 proofs  verified-read proof building (Cairn only): get + ProveEntry + ProveDual(tx, last)
                                 5 audit   workload 1 with the audit trail on (2 records per write) against off, --writers
          --writers LIST       concurrent writers for workload 1 (default 1,8,64)
          --read-threads LIST  threads for workload 3 (default 1,8); workload 4 uses 1 and one per core
          --read-keys N        keys preloaded for workloads 3 and 4, in 1,000-entry transactions (default 1000000)
          --proof-keys N       more keys preloaded in single-entry transactions, for workload 4 (default 20000)
          --dir PATH           scratch folder (default: a new temporary folder); what is created there is deleted
        """;

    public double Seconds { get; private set; } = 5;

    public int Runs { get; private set; } = 3;

    public double Warmup { get; private set; } = 1;

    public HashSet<int> Workloads { get; } = [1, 2, 3, 4, 5];

    public IReadOnlyList<int> Writers { get; private set; } = [1, 8, 64];

    public IReadOnlyList<int> ReadThreads { get; private set; } = [1, 8];

    public int ReadKeys { get; private set; } = 1_000_000;

    public int ProofKeys { get; private set; } = 20_000;

    public string? Dir { get; private set; }

    public bool Help { get; private set; }

    /// <exception cref="ArgumentException">An unknown option or a bad value.</exception>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                options.Help = true;
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value");
            }

            string value = args[++i];
            switch (name)
            {
                case "--seconds":
                    options.Seconds = Positive(name, double.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "--runs":
                    options.Runs = (int)Positive(name, int.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "--warmup":
                    options.Warmup = double.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--workloads":
                    options.Workloads.Clear();
                    foreach (string item in Items(value))
                    {
                        options.Workloads.Add(item switch
                        {
                            "1" or "writes" => 1,
                            "2" or "batch" => 2,
                            "3" or "reads" => 3,
                            "4" or "proofs" => 4,
                            "5" or "audit" => 5,
                            _ => throw new ArgumentException($"unknown workload '{item}'"),
                        });
                    }

                    break;
                case "--writers":
                    options.Writers = Counts(name, value);
                    break;
                case "--read-threads":
                    options.ReadThreads = Counts(name, value);
                    break;
                case "--read-keys":
                    options.ReadKeys = (int)Positive(name, int.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "--proof-keys":
                    options.ProofKeys = (int)Positive(name, int.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "--dir":
                    options.Dir = value;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{name}'");
            }
        }

        return options;
    }

    private static string[] Items(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int[] Counts(string name, string value) =>
        [.. Items(value).Select(item => (int)Positive(name, int.Parse(item, CultureInfo.InvariantCulture)))];

    private static double Positive(string name, double value) =>
        value > 0 ? value : throw new ArgumentException($"{name} must be positive");
}
