// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using System.Text;
using Cairn.Verification;

namespace Cairn.Storage.Tests.Model;

/// <summary>
/// Runs a step sequence against a real database in a temp folder and against <see cref="StorageModel"/>, and fails at
/// the first step where the two disagree (value, tx id, revision, order, metadata or error code). After the last step,
/// and after every reopen, it compares the whole state: every key's latest value and history, full scans, sorted
/// sets and every transaction.
/// </summary>
internal sealed class ModelRunner : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly StorageModel _model;
    private readonly TimeSpan _indexBatchDelay;
    private Database _db;
    private long _now = 1_700_000_000;
    private int _step;

    public ModelRunner(TimeSpan indexBatchDelay)
    {
        _indexBatchDelay = indexBatchDelay;
        _db = Database.Open(_folder.Path, Options);
        _model = new StorageModel(_now);
    }

    private DatabaseOptions Options => new() { SegmentSize = 64 << 10, UnixTimeSeconds = () => Interlocked.Read(ref _now), IndexBatchDelay = _indexBatchDelay };

    private long Now => Interlocked.Read(ref _now);

    /// <summary>Runs <paramref name="sequence"/> on a fresh database; throws with the step and both answers at the first disagreement.</summary>
    public static void Run(StepSequence sequence) => Run(sequence, new DatabaseOptions().IndexBatchDelay);

    /// <summary>As <see cref="Run(StepSequence)"/>, with the indexer gathering writes nobody waits for for <paramref name="indexBatchDelay"/>.</summary>
    public static void Run(StepSequence sequence, TimeSpan indexBatchDelay)
    {
        using var runner = new ModelRunner(indexBatchDelay);
        try
        {
            for (runner._step = 0; runner._step < sequence.Steps.Count; runner._step++)
            {
                runner.Apply(sequence.Steps[runner._step]);
            }

            runner.CompareEverything("final state");
        }
        catch (Exception)
        {
            sequence.FailedAt = runner._step;
            throw;
        }
    }

    public void Dispose()
    {
        _db.Dispose();
        _folder.Dispose();
    }

    private void Apply(Step step)
    {
        switch (step)
        {
            case SetStep s:
                {
                    var entries = s.Items.Select(i => new KeyValue(B(i.Key), B(i.Value), Metadata(i.ExpiresIn, i.NonIndexable))).ToList();
                    var preconditions = Preconditions(s.Conditions);
                    Write(step, () => _model.ExecAll([.. entries.Select(e => (Operation)new Operation.Put(e))], preconditions, Now), () => _db.SetAsync(entries, preconditions, s.NoWait));
                    break;
                }

            case ExecStep s:
                {
                    var operations = s.Items.Select(ToOperation).ToList();
                    var preconditions = Preconditions(s.Conditions);
                    Write(step, () => _model.ExecAll(operations, preconditions, Now), () => _db.ExecAllAsync(operations, preconditions, s.NoWait));
                    break;
                }

            case ReferenceStep s:
                {
                    ulong atTx = Pick(s.AtTx, s.Target);
                    bool bound = Bound(s.Bound, atTx);
                    var preconditions = Preconditions(s.Conditions);
                    Write(
                        step,
                        () => _model.SetReference(new Operation.Reference(B(s.Key), B(s.Target), atTx, bound), preconditions, Now),
                        () => _db.SetReferenceAsync(B(s.Key), B(s.Target), atTx, bound, preconditions, s.NoWait));
                    break;
                }

            case ZAddStep s:
                {
                    ulong atTx = Pick(s.AtTx, s.Key);
                    bool bound = Bound(s.Bound, atTx);
                    Write(
                        step,
                        () => _model.ZAdd(new Operation.ZAdd(B(s.Set), s.Score, B(s.Key), atTx, bound), Now),
                        () => _db.ZAddAsync(B(s.Set), s.Score, B(s.Key), atTx, bound, s.NoWait));
                    break;
                }

            case DeleteStep s:
                {
                    var keys = s.Keys.Select(B).ToList();
                    Write(step, () => _model.ExecAll([.. keys.Select(k => (Operation)new Operation.Delete(k))], [], Now), () => _db.DeleteAsync(keys, s.NoWait));
                    break;
                }

            case GetStep s:
                {
                    var options = new GetOptions { AtTx = Pick(s.AtTx, s.Key), AtRevision = s.AtRevision, SinceTx = Pick(s.SinceTx, s.Key), NoWait = s.NoWait };
                    Settle(options);
                    Compare(step, () => _model.Get(B(s.Key), options, Now), () => Await(_db.GetAsync(B(s.Key), options)), Show);
                    break;
                }

            case GetAllStep s:
                {
                    ulong sinceTx = Pick(s.SinceTx, null);
                    Settle(new GetOptions { SinceTx = sinceTx });
                    var keys = s.Keys.Select(B).ToList();
                    Compare(step, () => _model.GetAll(keys, sinceTx, Now), () => Await(_db.GetAllAsync(keys, sinceTx)), Show);
                    break;
                }

            case HistoryStep s:
                {
                    var options = new HistoryOptions { Offset = (ulong)s.Offset, Limit = s.Limit, Desc = s.Desc };
                    Compare(step, () => _model.History(B(s.Key), options, Now), () => Await(_db.HistoryAsync(B(s.Key), options)), Show);
                    break;
                }

            case ScanStep s:
                {
                    var options = new ScanOptions
                    {
                        Prefix = B(s.Prefix),
                        SeekKey = s.Seek is null ? null : B(s.Seek),
                        EndKey = s.End is null ? null : B(s.End),
                        InclusiveSeek = s.InclusiveSeek,
                        InclusiveEnd = s.InclusiveEnd,
                        Desc = s.Desc,
                        Limit = s.Limit,
                        Offset = (ulong)s.Offset,
                        NoWait = s.NoWait,
                    };
                    Settle(options);
                    Compare(step, () => _model.Scan(options, Now), () => Await(_db.ScanAsync(options)), Show);
                    break;
                }

            case CountStep s:
                Compare(step, () => _model.Count(B(s.Prefix), Now), () => Await(_db.CountAsync(B(s.Prefix))), n => n.ToString(CultureInfo.InvariantCulture));
                break;

            case ZScanStep s:
                {
                    var options = new ZScanOptions
                    {
                        SeekKey = s.SeekKey is null ? null : B(s.SeekKey),
                        SeekScore = s.SeekScore,
                        SeekAtTx = Pick(s.SeekAtTx, s.SeekKey),
                        InclusiveSeek = s.InclusiveSeek,
                        MinScore = s.MinScore,
                        MaxScore = s.MaxScore,
                        Desc = s.Desc,
                        Limit = s.Limit,
                        Offset = (ulong)s.Offset,
                    };
                    Compare(step, () => _model.ZScan(B(s.Set), options, Now), () => Await(_db.ZScanAsync(B(s.Set), options)), Show);
                    break;
                }

            case ReadTxStep s:
                {
                    ulong id = Pick(s.Tx, null);
                    Compare(step, () => Show(_model.ReadTx(id)), () => Show(_db.ReadTx(id, withValues: true)), text => text);
                    break;
                }

            case TxScanStep s:
                {
                    ulong initial = Pick(s.Initial, null);
                    Compare(
                        step,
                        () => _model.TxScan(initial, s.Limit, s.Desc).Select(Show).ToList(),
                        () => _db.TxScan(initial, s.Limit, s.Desc, withValues: true).Select(Show).ToList(),
                        texts => string.Join(Environment.NewLine, texts));
                    break;
                }

            case ClockStep s:
                Interlocked.Add(ref _now, s.Seconds);
                break;

            case ReopenStep:
                _db.Dispose();
                _db = Database.Open(_folder.Path, Options);
                CompareEverything("state after reopen");
                break;

            default:
                throw new InvalidOperationException($"unknown step {step}");
        }
    }

    /// <summary>Compares the whole visible state: latest values and histories of all keys, scans, counts, sorted sets, every tx.</summary>
    private void CompareEverything(string what)
    {
        Same(what + ": last tx id", _model.LastTxId.ToString(CultureInfo.InvariantCulture), _db.LastTxId.ToString(CultureInfo.InvariantCulture));
        foreach (string key in Steps.Keys)
        {
            Compare($"{what}: get({key})", () => _model.Get(B(key), new GetOptions(), Now), () => Await(_db.GetAsync(B(key))), Show);
            Compare($"{what}: history({key})", () => _model.History(B(key), new HistoryOptions(), Now), () => Await(_db.HistoryAsync(B(key))), Show);
        }

        foreach (bool desc in new[] { false, true })
        {
            var scan = new ScanOptions { Desc = desc };
            Compare($"{what}: scan(desc={desc})", () => _model.Scan(scan, Now), () => Await(_db.ScanAsync(scan)), Show);
            foreach (string set in Steps.Sets)
            {
                var zscan = new ZScanOptions { Desc = desc };
                Compare($"{what}: zScan({set}, desc={desc})", () => _model.ZScan(B(set), zscan, Now), () => Await(_db.ZScanAsync(B(set), zscan)), Show);
            }
        }

        Compare($"{what}: count('')", () => _model.Count([], Now), () => Await(_db.CountAsync([])), n => n.ToString(CultureInfo.InvariantCulture));
        var txs = _db.TxScan(1, 0, withValues: true);
        Compare($"{what}: txScan(1)", () => _model.TxScan(1, 0, false).Select(Show).ToList(), () => txs.Select(Show).ToList(), t => string.Join(Environment.NewLine, t));
        for (int i = 0; i < txs.Count; i++)
        {
            // The chain: each tx's Alh is its header's, and the next header links to it (§1.7).
            Same($"{what}: Alh of tx {txs[i].Header.Id}", txs[i].Header.Alh().ToString(), txs[i].Alh.ToString());
            if (i > 0)
            {
                Same($"{what}: prevAlh of tx {txs[i].Header.Id}", txs[i - 1].Alh.ToString(), txs[i].Header.PrevAlh.ToString());
            }
        }
    }

    // ---------------------------------------------------------------- comparing

    private void Write(Step step, Func<ModelTx> model, Func<Task<TxHeader>> engine)
    {
        string expected;
        try
        {
            var tx = model();
            expected = $"tx {tx.Id} v{tx.Version} ts={tx.Timestamp} entries={tx.Entries.Count} blTxId={tx.Id - 1}";
        }
        catch (ModelRejection rejection)
        {
            expected = $"error {rejection.Code}";
        }

        string actual;
        try
        {
            var header = engine().GetAwaiter().GetResult();
            actual = $"tx {header.Id} v{header.Version} ts={header.Timestamp} entries={header.EntryCount} blTxId={header.BlTxId}";
        }
        catch (StorageException e)
        {
            actual = $"error {e.Code}";
        }

        Same(step.ToString(), expected, actual);
        Same($"{step}: last tx id", _model.LastTxId.ToString(CultureInfo.InvariantCulture), _db.LastTxId.ToString(CultureInfo.InvariantCulture));
    }

    private void Compare<T>(object what, Func<T> model, Func<T> engine, Func<T, string> show)
    {
        string expected;
        try
        {
            expected = show(model());
        }
        catch (ModelRejection rejection)
        {
            expected = $"error {rejection.Code}";
        }

        string actual;
        try
        {
            actual = show(engine());
        }
        catch (StorageException e)
        {
            actual = $"error {e.Code}";
        }

        Same(what.ToString()!, expected, actual);
    }

    private void Same(string what, string expected, string actual)
    {
        if (expected != actual)
        {
            throw new ModelMismatchException(
                $"step {_step}: {what}{Environment.NewLine}  model:  {expected}{Environment.NewLine}  engine: {actual}");
        }
    }

    private static T Await<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();

    /// <summary>Reads that do not wait for the last commit (noWait, or sinceTx) are only deterministic once the index has caught up.</summary>
    private void Settle(IndexWait wait)
    {
        if ((wait.NoWait || wait.SinceTx > 0) && !SpinWait.SpinUntil(() => _db.IndexedTxId >= _db.LastTxId, TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"the index did not reach tx {_db.LastTxId}");
        }
    }

    // ---------------------------------------------------------------- building requests

    private static byte[] B(string text) => StorageModel.B(text);

    private KvMetadata? Metadata(int? expiresIn, bool nonIndexable) =>
        expiresIn is null && !nonIndexable ? null : new KvMetadata { ExpiresAt = Now + expiresIn, NonIndexable = nonIndexable };

    private static bool Bound(BoundMode mode, ulong atTx) => mode switch
    {
        BoundMode.True => true,
        BoundMode.False => false,
        _ => atTx > 0,
    };

    private ulong Pick(TxPick pick, string? key)
    {
        ulong last = _model.LastTxId;
        switch (pick.Mode)
        {
            case TxPickMode.WroteKey when key is not null && _model.VersionsOf(key) is { Count: > 0 } versions:
                return versions[pick.Selector % versions.Count].TxId;
            case TxPickMode.WroteKey:
            case TxPickMode.Any:
                return 1 + ((ulong)pick.Selector % (last + 1));
            case TxPickMode.Last:
                return last;
            case TxPickMode.BeyondLast:
                return last + 1 + ((ulong)pick.Selector % 2);
            default:
                return 0;
        }
    }

    private List<Precondition> Preconditions(IReadOnlyList<ConditionSpec> conditions) =>
    [
        .. conditions.Select(c => c.Kind switch
        {
            ConditionKind.MustExist => (Precondition)new Precondition.KeyMustExist(B(c.Key)),
            ConditionKind.MustNotExist => new Precondition.KeyMustNotExist(B(c.Key)),
            _ => new Precondition.KeyNotModifiedAfterTx(B(c.Key), Pick(c.Tx, c.Key)),
        }),
    ];

    private Operation ToOperation(ExecItem item)
    {
        switch (item.Kind)
        {
            case ExecKind.Put:
                return new Operation.Put(new KeyValue(B(item.Key), B(item.Other), Metadata(item.ExpiresIn, item.NonIndexable)));
            case ExecKind.Reference:
                {
                    ulong atTx = Pick(item.AtTx, item.Other);
                    return new Operation.Reference(B(item.Key), B(item.Other), atTx, Bound(item.Bound, atTx));
                }

            case ExecKind.ZAdd:
                {
                    ulong atTx = Pick(item.AtTx, item.Key);
                    return new Operation.ZAdd(B(item.Other), item.Score, B(item.Key), atTx, Bound(item.Bound, atTx));
                }

            default:
                return new Operation.Delete(B(item.Key));
        }
    }

    // ---------------------------------------------------------------- showing results

    private static string Show(Entry e)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{{tx {e.TxId} {Text(e.Key)}={Text(e.Value)} rev {e.Revision} md {Show(e.Metadata)}");
        if (e.Expired)
        {
            text.Append(" expired");
        }

        if (e.ReferencedBy is { } r)
        {
            text.Append(CultureInfo.InvariantCulture, $" via {{tx {r.TxId} {Text(r.Key)} atTx {r.AtTx} rev {r.Revision} md {Show(r.Metadata)}}}");
        }

        return text.Append('}').ToString();
    }

    private static string Show(IReadOnlyList<Entry> entries) => $"[{string.Join(", ", entries.Select(Show))}]";

    private static string Show(ZEntry z) =>
        $"{{{Text(z.Set)} {Steps.Score(z.Score)} {Text(z.Key)} atTx {z.AtTx} -> {Show(z.Entry)}}}";

    private static string Show(IReadOnlyList<ZEntry> entries) => $"[{string.Join(", ", entries.Select(Show))}]";

    private static string Show(KvMetadata? metadata) => metadata is null
        ? "-"
        : $"{(metadata.Deleted ? "deleted " : "")}{(metadata.ExpiresAt is long at ? $"expiresAt={at} " : "")}{(metadata.NonIndexable ? "nonIndexable " : "")}".TrimEnd();

    private static string Show(ModelTx tx) =>
        $"tx {tx.Id} v{tx.Version} ts={tx.Timestamp} entries={tx.Entries.Count} blTxId={tx.Id - 1}: " +
        string.Join(", ", tx.Entries.Select(e => $"{Hex(e.StoredKey)}={Hex(e.StoredValue)} ({e.StoredValue.Length}, hash ok) md {Show(e.Metadata)}"));

    private static string Show(CommittedTx tx) =>
        $"tx {tx.Header.Id} v{tx.Header.Version} ts={tx.Header.Timestamp} entries={tx.Header.EntryCount} blTxId={tx.Header.BlTxId}: " +
        string.Join(", ", tx.Entries.Select(e =>
            $"{Hex(e.StoredKey)}={Hex(e.StoredValue ?? [])} ({e.ValueLength}, " +
            $"{(e.StoredValue is { } v && Digest.Compute(v) == e.ValueHash ? "hash ok" : "HASH MISMATCH")}) md {Show(e.Metadata)}"));

    private static string Text(byte[] bytes)
    {
        if (bytes.Length > 64)
        {
            return $"<{bytes.Length} bytes, sha256 {Digest.Compute(bytes)}>";
        }

        var text = new StringBuilder("'");
        foreach (byte b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7F and not (byte)'\'' ? ((char)b).ToString() : $"\\x{b:x2}");
        }

        return text.Append('\'').ToString();
    }

    private static string Hex(byte[] bytes) => bytes.Length > 64 ? Text(bytes) : Convert.ToHexStringLower(bytes);
}

/// <summary>The engine and the model disagree.</summary>
internal sealed class ModelMismatchException : Exception
{
    public ModelMismatchException(string message)
        : base(message)
    {
    }
}
