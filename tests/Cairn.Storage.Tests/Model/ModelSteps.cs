// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace Cairn.Storage.Tests.Model;

/// <summary>How a step names a transaction; resolved against the model when the step runs, so steps stay valid when others are removed.</summary>
internal enum TxPickMode
{
    /// <summary>0 (no tx).</summary>
    None,

    /// <summary>A tx that wrote the step's key (any tx when the key was never written).</summary>
    WroteKey,

    /// <summary>Any id from 1 to one past the last tx.</summary>
    Any,

    /// <summary>The last tx.</summary>
    Last,

    /// <summary>One or two past the last tx.</summary>
    BeyondLast,
}

internal sealed record TxPick(TxPickMode Mode, int Selector)
{
    public static TxPick None => new(TxPickMode.None, 0);

    public override string ToString() => Mode switch
    {
        TxPickMode.None => "0",
        TxPickMode.WroteKey => $"wrote#{Selector}",
        TxPickMode.Any => $"any#{Selector}",
        TxPickMode.Last => "last",
        _ => $"beyond#{Selector}",
    };
}

/// <summary>Whether a reference or sorted-set member is bound: as immudb clients do (exactly when atTx &gt; 0), or forced.</summary>
internal enum BoundMode
{
    Consistent,
    True,
    False,
}

internal enum ConditionKind
{
    MustExist,
    MustNotExist,
    NotModifiedAfter,
}

internal enum ExecKind
{
    Put,
    Reference,
    ZAdd,
    Delete,
}

internal sealed record ConditionSpec(ConditionKind Kind, string Key, TxPick Tx)
{
    public override string ToString() => Kind switch
    {
        ConditionKind.MustExist => $"mustExist({Key})",
        ConditionKind.MustNotExist => $"mustNotExist({Key})",
        _ => $"notModifiedAfter({Key}, {Tx})",
    };
}

internal sealed record SetItem(string Key, string Value, int? ExpiresIn, bool NonIndexable)
{
    public override string ToString() => $"{Key}={Steps.Value(Value)}{Steps.Expiry(ExpiresIn)}{(NonIndexable ? " nonIndexable" : "")}";
}

/// <summary>One ExecAll operation. <see cref="Other"/> is the value (put), the referenced key (reference) or the set (zadd).</summary>
internal sealed record ExecItem(ExecKind Kind, string Key, string Other, double Score, TxPick AtTx, BoundMode Bound, int? ExpiresIn, bool NonIndexable)
{
    public override string ToString() => Kind switch
    {
        ExecKind.Put => $"put {Key}={Steps.Value(Other)}{Steps.Expiry(ExpiresIn)}{(NonIndexable ? " nonIndexable" : "")}",
        ExecKind.Reference => $"ref {Key}->{Other} atTx={AtTx} bound={Bound}",
        ExecKind.ZAdd => $"zadd {Other} {Steps.Score(Score)} {Key} atTx={AtTx} bound={Bound}",
        _ => $"delete {Key}",
    };
}

/// <summary>One step of a generated sequence: a write, a read, a clock tick or a reopen.</summary>
internal abstract record Step;

internal sealed record SetStep(IReadOnlyList<SetItem> Items, IReadOnlyList<ConditionSpec> Conditions, bool NoWait) : Step
{
    public override string ToString() => $"set({string.Join(", ", Items)}){Steps.Conditions(Conditions)}{Steps.NoWait(NoWait)}";
}

internal sealed record ExecStep(IReadOnlyList<ExecItem> Items, IReadOnlyList<ConditionSpec> Conditions, bool NoWait) : Step
{
    public override string ToString() => $"execAll({string.Join(", ", Items)}){Steps.Conditions(Conditions)}{Steps.NoWait(NoWait)}";
}

internal sealed record ReferenceStep(string Key, string Target, TxPick AtTx, BoundMode Bound, IReadOnlyList<ConditionSpec> Conditions, bool NoWait) : Step
{
    public override string ToString() => $"setReference({Key}->{Target}, atTx={AtTx}, bound={Bound}){Steps.Conditions(Conditions)}{Steps.NoWait(NoWait)}";
}

internal sealed record ZAddStep(string Set, double Score, string Key, TxPick AtTx, BoundMode Bound, bool NoWait) : Step
{
    public override string ToString() => $"zAdd({Set}, {Steps.Score(Score)}, {Key}, atTx={AtTx}, bound={Bound}){Steps.NoWait(NoWait)}";
}

internal sealed record DeleteStep(IReadOnlyList<string> Keys, bool NoWait) : Step
{
    public override string ToString() => $"delete({string.Join(", ", Keys)}){Steps.NoWait(NoWait)}";
}

internal sealed record GetStep(string Key, TxPick AtTx, int AtRevision, TxPick SinceTx, bool NoWait) : Step
{
    public override string ToString() => $"get({Key}, atTx={AtTx}, atRevision={AtRevision}, sinceTx={SinceTx}){Steps.NoWait(NoWait)}";
}

internal sealed record GetAllStep(IReadOnlyList<string> Keys, TxPick SinceTx) : Step
{
    public override string ToString() => $"getAll({string.Join(", ", Keys)}, sinceTx={SinceTx})";
}

internal sealed record HistoryStep(string Key, int Offset, int Limit, bool Desc) : Step
{
    public override string ToString() => $"history({Key}, offset={Offset}, limit={Limit}, desc={Desc})";
}

internal sealed record ScanStep(string Prefix, string? Seek, string? End, bool InclusiveSeek, bool InclusiveEnd, bool Desc, int Limit, int Offset, bool NoWait) : Step
{
    public override string ToString() =>
        $"scan(prefix='{Prefix}', seek={Seek ?? "-"}{(InclusiveSeek ? " incl" : "")}, end={End ?? "-"}{(InclusiveEnd ? " incl" : "")}, " +
        $"desc={Desc}, limit={Limit}, offset={Offset}){Steps.NoWait(NoWait)}";
}

internal sealed record CountStep(string Prefix) : Step
{
    public override string ToString() => $"count('{Prefix}')";
}

internal sealed record ZScanStep(
    string Set, string? SeekKey, double SeekScore, TxPick SeekAtTx, bool InclusiveSeek, double? MinScore, double? MaxScore, bool Desc, int Limit, int Offset) : Step
{
    public override string ToString() =>
        $"zScan({Set}, seek={(SeekKey is null ? "-" : $"({Steps.Score(SeekScore)}, {SeekKey}, {SeekAtTx}){(InclusiveSeek ? " incl" : "")}")}, " +
        $"min={(MinScore is double min ? Steps.Score(min) : "-")}, max={(MaxScore is double max ? Steps.Score(max) : "-")}, desc={Desc}, limit={Limit}, offset={Offset})";
}

internal sealed record ReadTxStep(TxPick Tx) : Step
{
    public override string ToString() => $"readTx({Tx})";
}

internal sealed record TxScanStep(TxPick Initial, int Limit, bool Desc) : Step
{
    public override string ToString() => $"txScan({Initial}, limit={Limit}, desc={Desc})";
}

internal sealed record ClockStep(int Seconds) : Step
{
    public override string ToString() => $"clock+{Seconds}";
}

internal sealed record ReopenStep : Step
{
    public override string ToString() => "reopen";
}

/// <summary>A generated sequence. <see cref="FailedAt"/> is set by the runner so that shrinking can cut the tail first.</summary>
internal sealed class StepSequence
{
    public StepSequence(IReadOnlyList<Step> steps)
    {
        Steps = steps;
    }

    public IReadOnlyList<Step> Steps { get; }

    public int? FailedAt { get; set; }

    public override string ToString() =>
        $"{Steps.Count} steps:{Environment.NewLine}" + string.Join(Environment.NewLine, Steps.Select((s, i) => $"  {i,3}: {s}"));
}

/// <summary>Generators of steps over a small alphabet, so that keys collide, prefixes overlap and sets fill up.</summary>
internal static class Steps
{
    /// <summary>Every key the steps use: six that mostly hold values (prefixes of each other) and two that mostly hold references.</summary>
    public static readonly string[] Keys = ["a", "ab", "abc", "b", "ba", "c", "r1", "r2"];
    public static readonly string[] Sets = ["s", "t"];
    /// <summary>A value large enough that a few of them fill a 64 KiB log segment, so that sequences cross segments.</summary>
    public static readonly string BigValue = new('x', 20_000);

    private static readonly string[] Values = ["", "1", "22", "v3", "xyz", BigValue];
    private static readonly double[] Scores = [0.0, 1.0, 2.5, -1.0, -0.0];
    private static readonly string[] Prefixes = ["", "", "a", "ab", "b", "c", "d"];
    private static readonly string[] Bounds = ["a", "aa", "ab", "abc", "b", "ba", "bb", "c"];

    public static string Expiry(int? expiresIn) => expiresIn is int e ? $" exp=now{e:+0;-0;+0}" : "";

    public static string Value(string value) => value.Length > 40 ? $"<{value.Length} x>" : $"'{value}'";

    public static string NoWait(bool noWait) => noWait ? " noWait" : "";

    public static string Conditions(IReadOnlyList<ConditionSpec> conditions) => conditions.Count == 0 ? "" : $" if [{string.Join(", ", conditions)}]";

    public static string Score(double score) =>
        double.IsNegative(score) && score == 0 ? "-0" : score.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Sequences of <paramref name="minLength"/> to <paramref name="maxLength"/> steps.</summary>
    public static Gen<StepSequence> Sequence(int minLength, int maxLength) =>
        from length in Gen.Choose(minLength, maxLength)
        from steps in Gen.ListOf(AnyStep, length)
        select new StepSequence([.. steps]);

    /// <summary>Candidates for a smaller failing sequence: the prefix up to the failure, then with chunks removed.</summary>
    public static IEnumerable<StepSequence> Shrink(StepSequence sequence)
    {
        var steps = sequence.Steps;
        if (sequence.FailedAt is int failed && failed + 1 < steps.Count)
        {
            yield return new StepSequence([.. steps.Take(failed + 1)]);
            yield break;
        }

        for (int size = steps.Count / 2; size >= 1; size /= 2)
        {
            for (int start = 0; start + size <= steps.Count; start += size)
            {
                yield return new StepSequence([.. steps.Take(start), .. steps.Skip(start + size)]);
            }
        }
    }

    private static Gen<Step> AnyStep => Gen.Frequency(
        (14, Set.Select(s => (Step)s)),
        (9, Exec.Select(s => (Step)s)),
        (6, Reference.Select(s => (Step)s)),
        (6, ZAdd.Select(s => (Step)s)),
        (4, Delete.Select(s => (Step)s)),
        (12, Get.Select(s => (Step)s)),
        (2, GetAll.Select(s => (Step)s)),
        (6, History.Select(s => (Step)s)),
        (7, Scan.Select(s => (Step)s)),
        (2, Count.Select(s => (Step)s)),
        (6, ZScan.Select(s => (Step)s)),
        (3, ReadTx.Select(s => (Step)s)),
        (2, TxScan.Select(s => (Step)s)),
        (5, Gen.Choose(1, 4).Select(s => (Step)new ClockStep(s))),
        (1, Gen.Constant((Step)new ReopenStep())));

    private static readonly string[] PlainKeys = ["a", "ab", "abc", "b", "ba", "c"];
    private static readonly string[] ReferenceKeys = ["r1", "r2"];

    /// <summary>Any key, as reads use.</summary>
    private static Gen<string> Key => Gen.Frequency((40, Gen.Elements(Keys)), (1, Gen.Constant("")));

    /// <summary>A key to set a value to: mostly one of the plain keys.</summary>
    private static Gen<string> ValueKey => Gen.Frequency((80, Gen.Elements(PlainKeys)), (10, Gen.Elements(ReferenceKeys)), (1, Gen.Constant("")));

    /// <summary>A sorted-set name (now and then the empty one, which is refused).</summary>
    private static Gen<string> SetName => Gen.Frequency((40, Gen.Elements(Sets)), (1, Gen.Constant("")));

    /// <summary>How many keys or operations a write has: 1–3, now and then none (which is refused).</summary>
    private static Gen<int> OneToThree => Gen.Frequency((40, Gen.Choose(1, 3)), (1, Gen.Constant(0)));

    private static Gen<bool> VeryRarely => Gen.Frequency((15, Gen.Constant(false)), (1, Gen.Constant(true)));

    /// <summary>A key to make a reference: mostly one of the reference keys.</summary>
    private static Gen<string> ReferenceKey => Gen.Frequency((3, Gen.Elements(ReferenceKeys)), (1, Gen.Elements(PlainKeys)));

    private static Gen<int> Selector => Gen.Choose(0, 1000);

    private static Gen<bool> Rarely => Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)));

    private static Gen<bool> Bool => Gen.Elements(false, true);

    private static Gen<int?> ExpiresIn => Gen.Frequency(
        (4, Gen.Constant<int?>(null)),
        (1, Gen.Choose(-1, 6).Select(e => (int?)e)));

    /// <summary>A tx for atTx-like arguments: mostly none or one that wrote the key, sometimes any or beyond.</summary>
    private static Gen<TxPick> AtTx => Gen.Frequency(
        (5, Gen.Constant(TxPick.None)),
        (4, Selector.Select(s => new TxPick(TxPickMode.WroteKey, s))),
        (2, Selector.Select(s => new TxPick(TxPickMode.Any, s))),
        (1, Gen.Constant(new TxPick(TxPickMode.Last, 0))),
        (1, Selector.Select(s => new TxPick(TxPickMode.BeyondLast, s))));

    private static Gen<TxPick> SinceTx => Gen.Frequency(
        (12, Gen.Constant(TxPick.None)),
        (2, Selector.Select(s => new TxPick(TxPickMode.Any, s))),
        (1, Gen.Constant(new TxPick(TxPickMode.Last, 0))),
        (1, Selector.Select(s => new TxPick(TxPickMode.BeyondLast, s))));

    private static Gen<BoundMode> Bound => Gen.Frequency(
        (8, Gen.Constant(BoundMode.Consistent)),
        (1, Gen.Constant(BoundMode.True)),
        (1, Gen.Constant(BoundMode.False)));

    private static Gen<int> Limit => Gen.Frequency(
        (8, Gen.Constant(0)),
        (5, Gen.Choose(1, 3)),
        (1, Gen.Elements(-1, 1001)));

    private static Gen<int> Offset => Gen.Frequency((7, Gen.Constant(0)), (2, Gen.Choose(1, 3)));

    private static Gen<ConditionSpec> Condition =>
        from kind in Gen.Elements(ConditionKind.MustExist, ConditionKind.MustNotExist, ConditionKind.NotModifiedAfter)
        from key in Key
        from tx in Gen.Frequency(
            (3, Selector.Select(s => new TxPick(TxPickMode.WroteKey, s))),
            (1, Selector.Select(s => new TxPick(TxPickMode.Any, s))),
            (1, Gen.Constant(new TxPick(TxPickMode.Last, 0))))
        select new ConditionSpec(kind, key, tx);

    private static Gen<IReadOnlyList<ConditionSpec>> SomeConditions => Gen.Frequency(
        (7, Gen.Constant<IReadOnlyList<ConditionSpec>>([])),
        (3, Gen.Choose(1, 2).SelectMany(n => Gen.ListOf(Condition, n)).Select(c => (IReadOnlyList<ConditionSpec>)[.. c])));

    /// <summary>1–3 keys, distinct except now and then (a duplicated key must be refused).</summary>
    private static Gen<string[]> SomeKeys =>
        from n in OneToThree
        from distinct in Gen.Frequency((12, Gen.Constant(true)), (1, Gen.Constant(false)))
        from keys in distinct ? Gen.Shuffle(PlainKeys).Select(k => k.Take(n).ToArray()) : Gen.ArrayOf(ValueKey, n)
        select keys;

    private static Gen<SetStep> Set =>
        from keys in SomeKeys
        from items in Gen.CollectToArray(keys, k => from v in Gen.Elements(Values) from e in ExpiresIn from i in VeryRarely select new SetItem(k, v, e, i))
        from conditions in SomeConditions
        from noWait in Rarely
        select new SetStep(items, conditions, noWait);

    private static Gen<ExecItem> ExecOp =>
        from kind in Gen.Frequency(
            (4, Gen.Constant(ExecKind.Put)),
            (3, Gen.Constant(ExecKind.Reference)),
            (3, Gen.Constant(ExecKind.ZAdd)),
            (1, Gen.Constant(ExecKind.Delete)))
        from key in kind switch
        {
            ExecKind.Reference => ReferenceKey,
            ExecKind.Put or ExecKind.ZAdd => ValueKey,
            _ => Key,
        }
        from other in kind switch
        {
            ExecKind.Put => Gen.Elements(Values),
            ExecKind.Reference => ValueKey,
            ExecKind.ZAdd => SetName,
            _ => Gen.Constant(""),
        }
        from score in Gen.Elements(Scores)
        from atTx in AtTx
        from bound in Bound
        from expiresIn in kind == ExecKind.Put ? ExpiresIn : Gen.Constant<int?>(null)
        from nonIndexable in kind == ExecKind.Put ? VeryRarely : Gen.Constant(false)
        select new ExecItem(kind, key, other, score, atTx, bound, expiresIn, nonIndexable);

    private static Gen<ExecStep> Exec =>
        from n in OneToThree
        from items in Gen.ArrayOf(ExecOp, n)
        from conditions in SomeConditions
        from noWait in Rarely
        select new ExecStep(items, conditions, noWait);

    private static Gen<ReferenceStep> Reference =>
        from key in ReferenceKey
        from target in ValueKey
        from atTx in AtTx
        from bound in Bound
        from conditions in Gen.Frequency((4, Gen.Constant<IReadOnlyList<ConditionSpec>>([])), (1, SomeConditions))
        from noWait in Rarely
        select new ReferenceStep(key, target, atTx, bound, conditions, noWait);

    private static Gen<ZAddStep> ZAdd =>
        from set in SetName
        from score in Gen.Elements(Scores)
        from key in ValueKey
        from atTx in AtTx
        from bound in Bound
        from noWait in Rarely
        select new ZAddStep(set, score, key, atTx, bound, noWait);

    private static Gen<DeleteStep> Delete =>
        from n in Gen.Frequency((40, Gen.Constant(1)), (10, Gen.Constant(2)), (1, Gen.Constant(0)))
        from keys in Gen.ArrayOf(Key, n)
        from noWait in Rarely
        select new DeleteStep(keys, noWait);

    /// <summary>Mostly one way of naming the version (latest, atTx or atRevision); now and then a forbidden mix.</summary>
    private static Gen<GetStep> Get =>
        from key in Key
        from mode in Gen.Frequency((5, Gen.Constant(0)), (3, Gen.Constant(1)), (2, Gen.Constant(2)), (1, Gen.Constant(3)))
        from atTx in mode is 1 or 3 ? AtTx : Gen.Constant(TxPick.None)
        from atRevision in mode is 2 or 3 ? Gen.Choose(-3, 4) : Gen.Constant(0)
        from sinceTx in mode is 0 or 3 ? SinceTx : Gen.Constant(TxPick.None)
        from noWait in Rarely
        select new GetStep(key, atTx, atRevision, sinceTx, noWait);

    private static Gen<GetAllStep> GetAll =>
        from n in Gen.Choose(1, 3)
        from keys in Gen.ArrayOf(Key, n)
        from sinceTx in SinceTx
        select new GetAllStep(keys, sinceTx);

    private static Gen<HistoryStep> History =>
        from key in Key
        from offset in Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(1, 5)))
        from limit in Limit
        from desc in Bool
        select new HistoryStep(key, offset, limit, desc);

    private static Gen<string?> OptionalBound => Gen.Frequency((3, Gen.Constant<string?>(null)), (1, Gen.Elements(Bounds).Select(b => (string?)b)));

    private static Gen<ScanStep> Scan =>
        from prefix in Gen.Elements(Prefixes)
        from seek in OptionalBound
        from end in OptionalBound
        from inclusiveSeek in Bool
        from inclusiveEnd in Bool
        from desc in Bool
        from limit in Limit
        from offset in Offset
        from noWait in Rarely
        select new ScanStep(prefix, seek, end, inclusiveSeek, inclusiveEnd, desc, limit, offset, noWait);

    private static Gen<CountStep> Count => Gen.Elements(Prefixes).Select(p => new CountStep(p));

    private static Gen<double?> ScoreBound => Gen.Frequency(
        (8, Gen.Constant<double?>(null)),
        (2, Gen.Elements(Scores).Select(s => (double?)s)),
        (1, Gen.Elements(0.5, 2.0, -0.5).Select(s => (double?)s)));

    private static Gen<ZScanStep> ZScan =>
        from set in SetName
        from seekKey in Gen.Frequency((4, Gen.Constant<string?>(null)), (1, Gen.Elements(PlainKeys).Select(k => (string?)k)))
        from seekScore in Gen.Elements(Scores)
        from seekAtTx in Gen.Frequency((3, Gen.Constant(TxPick.None)), (1, Selector.Select(s => new TxPick(TxPickMode.WroteKey, s))))
        from inclusiveSeek in Bool
        from min in ScoreBound
        from max in ScoreBound
        from desc in Bool
        from limit in Limit
        from offset in Offset
        select new ZScanStep(set, seekKey, seekScore, seekAtTx, inclusiveSeek, min, max, desc, limit, offset);

    private static Gen<ReadTxStep> ReadTx => Gen.Frequency(
        (6, Selector.Select(s => new TxPick(TxPickMode.Any, s))),
        (2, Gen.Constant(new TxPick(TxPickMode.Last, 0))),
        (1, Gen.Constant(TxPick.None)),
        (1, Selector.Select(s => new TxPick(TxPickMode.BeyondLast, s)))).Select(t => new ReadTxStep(t));

    private static Gen<TxScanStep> TxScan =>
        from initial in Gen.Frequency(
            (6, Selector.Select(s => new TxPick(TxPickMode.Any, s))),
            (1, Gen.Constant(TxPick.None)),
            (1, Selector.Select(s => new TxPick(TxPickMode.BeyondLast, s))))
        from limit in Limit
        from desc in Bool
        select new TxScanStep(initial, limit, desc);
}
