// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;
using System.Globalization;
using Cairn.Storage;
using Cairn.Verification;
using Cairn.Verification.Encodings;

namespace Cairn.LoadGen;

/// <summary>
/// Runs the selected workloads against the reference log and the engine, alternating the two run by run so that
/// noise on the shared machine hits both, and prints one row per (workload, concurrency, system): the median run.
/// </summary>
internal sealed class LoadRun : IDisposable
{
    private const int BatchEntries = 1000;
    private const long ReferenceSegmentSize = 64L << 20; // the engine's default segment size
    private const double SqliteReadsPerSecond = 145_000; // shared bench README, SQLite point reads on 1 thread

    private readonly LoadOptions _options;
    private readonly TimeSpan _warmup;
    private readonly TimeSpan _duration;
    private readonly string _root;
    private int _folders;

    public LoadRun(LoadOptions options)
    {
        _options = options;
        _warmup = TimeSpan.FromSeconds(options.Warmup);
        _duration = TimeSpan.FromSeconds(options.Seconds);
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        _root = options.Dir is null
            ? Path.Combine(Path.GetTempPath(), "cairn-loadgen-" + stamp)
            : Path.Combine(Path.GetFullPath(options.Dir), "loadgen-" + stamp);
        Directory.CreateDirectory(_root);
    }

    public async Task RunAsync()
    {
        var o = _options;
        Console.WriteLine(Invariant($"# Cairn load generator  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  key={Measure.KeyLength}B value={Measure.ValueLength}B  seconds={o.Seconds} warmup={o.Warmup} runs={o.Runs} (median)  cores={Environment.ProcessorCount}  .NET {Environment.Version}"));
        Console.WriteLine($"# scratch: {_root}");
        Console.WriteLine("# ops = tx (writes), reads or proofs; vs ref = ops/s over the reference's in the same run; syncs = fdatasync/fsync calls");
        Console.WriteLine("# CPU us/op = process CPU (all threads) per op; writer = of it, the committer (reference: writer) thread;");
        Console.WriteLine("#   index = the engine's indexer + RocksDB threads; ops/core-s = ops per CPU-second");
        Console.WriteLine(Invariant($"{"workload",-24} {"conc",5} {"system",-20} {"ops/s",11} {"entries/s",11} {"vs ref",7} {"syncs/s",8} {"ops/sync",8} {"ms/sync",7} {"CPU us/op",9} {"writer",7} {"index",7} {"ops/core-s",11}   (min..max ops/s)"));
        var summary = new List<string>();
        if (o.Workloads.Contains(1))
        {
            foreach (int writers in o.Writers)
            {
                var rows = await CompareWritesAsync("1-entry tx", writers, 1, merkleReference: false).ConfigureAwait(false);
                if (writers == 64 || writers == o.Writers.Max())
                {
                    summary.Add(Invariant($"{writers} writers, 1-entry tx: Cairn/reference = {rows[2]:N2} (noWait), {rows[3]:N2} (waiting for the index); goal >= 0.60. Against the reference doing immudb's hashing: {rows[2] / rows[1]:N2} (noWait), {rows[3] / rows[1]:N2}"));
                }
            }
        }

        if (o.Workloads.Contains(2))
        {
            var rows = await CompareWritesAsync("1000-entry tx", 1, BatchEntries, merkleReference: true).ConfigureAwait(false);
            summary.Add(Invariant($"1 writer, 1000-entry tx: Cairn/reference = {rows[3]:N2} (noWait), {rows[4]:N2} (waiting for the index); goal >= 0.60. Against the reference with per-entry Merkle hashing: {rows[3] / rows[1]:N2}; doing immudb's hashing: {rows[3] / rows[2]:N2} (noWait), {rows[4] / rows[2]:N2}"));
        }

        if (o.Workloads.Contains(3) || o.Workloads.Contains(4))
        {
            summary.AddRange(await ReadsAndProofsAsync().ConfigureAwait(false));
        }

        if (o.Workloads.Contains(5))
        {
            foreach (int writers in o.Writers)
            {
                var rows = await CompareAuditAsync(writers).ConfigureAwait(false);
                summary.Add(Invariant($"{writers} writers, 1-entry tx, audit on / off = {rows[1]:N2} (auditdb), {rows[2]:N2} (auditdb + JSON-lines file); goal >= 0.90"));
            }
        }

        Console.WriteLine("# summary");
        foreach (string line in summary)
        {
            Console.WriteLine("#   " + line);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"could not delete {_root}: {e.Message}");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static Measurement Median(List<Measurement> runs) => runs.OrderBy(m => m.OpsPerSecond).ElementAt(runs.Count / 2);

    /// <summary>Prints the median row and returns its ops/s.</summary>
    private static double PrintRow(string workload, int concurrency, string system, List<Measurement> runs, double? referenceOpsPerSecond)
    {
        var m = Median(runs);
        string ratio = referenceOpsPerSecond is double r && r > 0 ? Invariant($"{m.OpsPerSecond / r:N2}") : "-";
        string syncs = m.Syncs > 0 ? Invariant($"{m.SyncsPerSecond,8:N0} {(double)m.Ops / m.Syncs,8:N1} {m.MillisPerSync,7:N2}") : Invariant($"{"-",8} {"-",8} {"-",7}");
        Console.WriteLine(Invariant(
            $"{workload,-24} {concurrency,5} {system,-20} {m.OpsPerSecond,11:N0} {m.EntriesPerSecond,11:N0} {ratio,7} {syncs} {m.CpuMicrosPerOp,9:N1} {m.WriterMicrosPerOp,7:N1} {m.IndexMicrosPerOp,7:N1} {m.OpsPerCoreSecond,11:N0}   ({runs.Min(x => x.OpsPerSecond):N0}..{runs.Max(x => x.OpsPerSecond):N0})"));
        return m.OpsPerSecond;
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("sanity check failed: " + what);
        }
    }

    private string NewFolder() => Path.Combine(_root, (++_folders).ToString("D3", CultureInfo.InvariantCulture));

    private static void DeleteFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// One write shape against the reference, the engine with noWait (acknowledged when durable, as the reference)
    /// and the engine waiting for its index (SetAsync's default); with <paramref name="merkleReference"/> also the
    /// reference hashing every entry into a Merkle root. Returns each system's ratio to the reference (1 for it).
    /// </summary>
    private async Task<double[]> CompareWritesAsync(string workload, int writers, int entriesPerTx, bool merkleReference)
    {
        var systems = new List<(string Name, Func<string, ITarget> Open)>
        {
            ("reference", folder => new ReferenceLog(folder, ReferenceSegmentSize, merkle: false, indexed: false)),
        };
        if (merkleReference)
        {
            systems.Add(("reference, Merkle eH", folder => new ReferenceLog(folder, ReferenceSegmentSize, merkle: true, indexed: false)));
        }

        systems.Add(("reference, immudb hashing", folder => new ReferenceLog(folder, ReferenceSegmentSize, merkle: true, indexed: false, ledger: true)));

        systems.Add(("cairn noWait", folder => new CairnTarget(folder, waitForIndex: false)));
        systems.Add(("cairn", folder => new CairnTarget(folder, waitForIndex: true)));
        var results = systems.Select(_ => new List<Measurement>()).ToArray();
        for (int run = 0; run < _options.Runs; run++)
        {
            for (int s = 0; s < systems.Count; s++)
            {
                string folder = NewFolder();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                using (var target = systems[s].Open(folder))
                {
                    results[s].Add(await Measure.WritesAsync(target, writers, entriesPerTx, _warmup, _duration, seed: run + 1).ConfigureAwait(false));
                }

                DeleteFolder(folder);
            }
        }

        double reference = PrintRow(workload, writers, systems[0].Name, results[0], null);
        var ratios = new double[systems.Count];
        ratios[0] = 1;
        for (int s = 1; s < systems.Count; s++)
        {
            ratios[s] = PrintRow(workload, writers, systems[s].Name, results[s], reference) / reference;
        }

        for (int s = 0; s < systems.Count; s++)
        {
            var lags = results[s].Select(m => m.IndexLagAtEnd).Order().ToList();
            if (lags[lags.Count / 2] > writers) // more than the commits in flight
            {
                Console.WriteLine(Invariant(
                    $"#   {systems[s].Name}: the index was {lags[lags.Count / 2]:N0} tx ({lags[lags.Count / 2] * entriesPerTx:N0} entries) behind the log when the window closed (median; {lags[0]:N0}..{lags[^1]:N0})"));
            }
        }

        return ratios;
    }

    /// <summary>
    /// Single-entry writes (noWait, as the server's Set) with the audit trail off, on, and on with the JSON-lines
    /// file, alternating run by run; returns each one's ratio to "off".
    /// </summary>
    private async Task<double[]> CompareAuditAsync(int writers)
    {
        var systems = new (string Name, Func<string, ITarget> Open)[]
        {
            ("cairn noWait, audit off", folder => new CairnTarget(folder, waitForIndex: false)),
            ("audit on", folder => new AuditedTarget(folder, waitForIndex: false, logFile: false)),
            ("audit on + file", folder => new AuditedTarget(folder, waitForIndex: false, logFile: true)),
        };
        var results = systems.Select(_ => new List<Measurement>()).ToArray();
        for (int run = 0; run < _options.Runs; run++)
        {
            for (int s = 0; s < systems.Length; s++)
            {
                string folder = NewFolder();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var target = systems[s].Open(folder);
                Measurement measured;
                try
                {
                    measured = await Measure.WritesAsync(target, writers, 1, _warmup, _duration, seed: run + 1).ConfigureAwait(false);
                }
                finally
                {
                    target.Dispose();
                }

                if (target is AuditedTarget audited)
                {
                    // Every write made two records, all durable once the trail drained on dispose.
                    Check(audited.AuditLost == 0 && audited.AuditWritten >= 2 * measured.Ops, $"audit records: {audited.AuditWritten} written, {audited.AuditLost} lost, for {measured.Ops} writes");
                }

                results[s].Add(measured);
                DeleteFolder(folder);
            }
        }

        double off = PrintRow("1-entry tx, audit", writers, systems[0].Name, results[0], null);
        var ratios = new double[systems.Length];
        ratios[0] = 1;
        for (int s = 1; s < systems.Length; s++)
        {
            ratios[s] = PrintRow("1-entry tx, audit", writers, systems[s].Name, results[s], off) / off;
        }

        return ratios;
    }

    private async Task<List<string>> ReadsAndProofsAsync()
    {
        var summary = new List<string>();
        bool reads = _options.Workloads.Contains(3);
        bool proofs = _options.Workloads.Contains(4);
        int batches = Math.Max(1, _options.ReadKeys / BatchEntries);
        var batchKeys = Keys(batches * BatchEntries, seed: 7);
        var singleKeys = proofs ? Keys(_options.ProofKeys, seed: 8) : [];
        ReferenceLog? reference = null;
        CairnTarget? cairn = null;
        try
        {
            if (reads)
            {
                reference = new ReferenceLog(NewFolder(), ReferenceSegmentSize, merkle: false, indexed: true);
                var referenceLoad = await PreloadAsync(reference, batchKeys, BatchEntries, concurrency: 2).ConfigureAwait(false);
                Console.WriteLine(Invariant($"# preload reference: {batchKeys.Length:N0} keys in {batches:N0} tx of {BatchEntries} in {referenceLoad:N1} s"));
            }

            cairn = new CairnTarget(NewFolder(), waitForIndex: false);
            var clock = Stopwatch.StartNew();
            await PreloadAsync(cairn, batchKeys, BatchEntries, concurrency: 2).ConfigureAwait(false);
            double durable = clock.Elapsed.TotalSeconds;
            if (singleKeys.Length > 0)
            {
                await PreloadAsync(cairn, singleKeys, 1, concurrency: 64).ConfigureAwait(false);
            }

            double allDurable = clock.Elapsed.TotalSeconds;
            cairn.WaitUntilReadable();
            Console.WriteLine(Invariant(
                $"# preload cairn: {batchKeys.Length:N0} keys in {batches:N0} tx of {BatchEntries} durable in {durable:N1} s, then {singleKeys.Length:N0} single-entry tx (64 writers) in {allDurable - durable:N1} s; index caught up at {clock.Elapsed.TotalSeconds:N1} s"));

            var sample = new Random(5);
            foreach (var target in new ITarget?[] { reference, cairn })
            {
                for (int i = 0; target is not null && i < 1000; i++)
                {
                    // The reference holds the batch keys only.
                    var key = i % 2 == 0 || singleKeys.Length == 0 || target == reference ? batchKeys[sample.Next(batchKeys.Length)] : singleKeys[sample.Next(singleKeys.Length)];
                    Check(target.Get(key).AsSpan().SequenceEqual(Measure.ValueFor(key)), "a read returned another value");
                }
            }

            if (reads)
            {
                var readKeys = batchKeys;
                foreach (int threads in _options.ReadThreads)
                {
                    var referenceRuns = new List<Measurement>();
                    var cairnRuns = new List<Measurement>();
                    for (int run = 0; run < _options.Runs; run++)
                    {
                        foreach (ITarget target in new ITarget[] { reference!, cairn })
                        {
                            GC.Collect();
                            var runs = target == cairn ? cairnRuns : referenceRuns;
                            runs.Add(Measure.Loop(
                                threads,
                                random =>
                                {
                                    if (target.Get(readKeys[random.Next(readKeys.Length)]).Length != Measure.ValueLength)
                                    {
                                        throw new InvalidOperationException("a read returned a value of the wrong length");
                                    }
                                },
                                target.Syncs,
                                _warmup,
                                _duration,
                                seed: run + 1));
                        }
                    }

                    double referenceRate = PrintRow("get random key", threads, "reference", referenceRuns, null);
                    double cairnRate = PrintRow("get random key", threads, "cairn GetAsync NoWait", cairnRuns, referenceRate);
                    if (threads == 1)
                    {
                        summary.Add(Invariant(
                            $"point reads, 1 thread: Cairn {cairnRate:N0}/s = {cairnRate / referenceRate:N2} of the reference, {cairnRate / SqliteReadsPerSecond:N2}x SQLite's {SqliteReadsPerSecond:N0}/s (shared README); goal > 1"));
                    }
                }
            }

            if (proofs)
            {
                summary.AddRange(Proofs(cairn, batchKeys, singleKeys));
            }
        }
        finally
        {
            reference?.Dispose();
            cairn?.Dispose();
        }

        return summary;
    }

    private List<string> Proofs(CairnTarget cairn, byte[][] batchKeys, byte[][] singleKeys)
    {
        var summary = new List<string>();
        var db = cairn.Database;
        ulong last = db.LastTxId;
        VerifySample(cairn, batchKeys, singleKeys, last);
        var shapes = new List<(string Name, byte[][] Keys)>();
        if (singleKeys.Length > 0)
        {
            shapes.Add(("prove, 1-entry tx", singleKeys));
        }

        shapes.Add(("prove, 1000-entry tx", batchKeys));
        foreach (var (name, keys) in shapes)
        {
            foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
            {
                var runs = new List<Measurement>();
                for (int run = 0; run < _options.Runs; run++)
                {
                    GC.Collect();
                    runs.Add(Measure.Loop(
                        threads,
                        random =>
                        {
                            var key = keys[random.Next(keys.Length)];
                            var entry = cairn.GetEntry(key);
                            _ = db.ProveEntry(entry.TxId, KeyValueEncoding.StoredKey(key));
                            _ = db.ProveDual(entry.TxId, last);
                        },
                        cairn.Syncs,
                        _warmup,
                        _duration,
                        seed: run + 1));
                }

                double rate = PrintRow(name, threads, "cairn", runs, null);
                var m = Median(runs);
                summary.Add(Invariant($"{name}, {threads} thread(s): {rate:N0} proofs/s, {m.OpsPerCoreSecond:N0} per core-second ({m.CpuMicrosPerOp:N1} us CPU each)"));
            }
        }

        return summary;
    }

    /// <summary>Checks, untimed, that proofs the benchmark builds verify: entry → tx header, and tx → the current state.</summary>
    private static void VerifySample(CairnTarget cairn, byte[][] batchKeys, byte[][] singleKeys, ulong last)
    {
        var db = cairn.Database;
        var state = db.State;
        Check(state.TxId == last, "the state moved while nothing was written");
        var random = new Random(11);
        for (int i = 0; i < 200; i++)
        {
            var key = i % 2 == 0 || singleKeys.Length == 0 ? batchKeys[random.Next(batchKeys.Length)] : singleKeys[random.Next(singleKeys.Length)];
            var entry = cairn.GetEntry(key);
            var storedKey = KeyValueEncoding.StoredKey(key);
            var entryProof = db.ProveEntry(entry.TxId, storedKey);
            var dual = db.ProveDual(entry.TxId, last);
            DualProof.Verify(dual, entry.TxId, last, dual.SourceTxHeader.Alh(), state.TxHash);
            var digest = EntryDigest.V0(storedKey, Digest.Compute(KeyValueEncoding.PlainValue(entry.Value)));
            TxMerkleTree.VerifyInclusion(entryProof, digest, dual.SourceTxHeader);
        }
    }

    private static byte[][] Keys(int count, int seed)
    {
        var random = new Random(seed);
        var keys = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            keys[i] = new byte[Measure.KeyLength];
            random.NextBytes(keys[i]);
        }

        return keys;
    }

    /// <summary>Writes <paramref name="keys"/> in transactions of <paramref name="perTx"/> from several writers; returns seconds.</summary>
    private static async Task<double> PreloadAsync(ITarget target, byte[][] keys, int perTx, int concurrency)
    {
        var clock = Stopwatch.StartNew();
        int nextTx = -1;
        int txCount = (keys.Length + perTx - 1) / perTx;
        var writers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int tx;
            while ((tx = Interlocked.Increment(ref nextTx)) < txCount)
            {
                int from = tx * perTx;
                var entries = new KeyValue[Math.Min(perTx, keys.Length - from)];
                for (int i = 0; i < entries.Length; i++)
                {
                    entries[i] = new KeyValue(keys[from + i], Measure.ValueFor(keys[from + i]));
                }

                await target.CommitAsync(entries).ConfigureAwait(false);
            }
        }));
        await Task.WhenAll(writers).ConfigureAwait(false);
        return clock.Elapsed.TotalSeconds;
    }
}
