// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;

namespace Cairn.Storage.Tests.Model;

/// <summary>
/// Random operation sequences (20–80 steps over eight keys and two sorted sets, some with a reopen) run against the
/// engine and against <see cref="StorageModel"/>; every answer must match. CAIRN_TEST_SCALE multiplies the cases.
/// </summary>
public sealed class ModelPropertyTests
{
    [Fact]
    public void Random_operation_sequences_agree_with_the_model() =>
        ModelCheck.ForAll(Steps.Sequence(20, 80), ModelRunner.Run, maxTest: 150);

    // The indexer without its batch delay: each commit group is applied as soon as the indexer is free.
    [Fact]
    public void Random_operation_sequences_agree_with_the_model_when_the_index_applies_every_commit_at_once() =>
        ModelCheck.ForAll(Steps.Sequence(20, 80), sequence => ModelRunner.Run(sequence, TimeSpan.Zero), maxTest: 50);
}

/// <summary>Runs FsCheck properties over step sequences with a bounded shrinking time.</summary>
internal static class ModelCheck
{
    /// <summary>Multiplies property-test case counts (environment CAIRN_TEST_SCALE, default 1) for longer local runs.</summary>
    public static int Scale { get; } = int.TryParse(Environment.GetEnvironmentVariable("CAIRN_TEST_SCALE"), out int scale) && scale > 0 ? scale : 1;

    /// <summary>Shrinking stops offering smaller sequences after this long, so a failing run still ends in reasonable time.</summary>
    public static TimeSpan ShrinkBudget { get; } = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="property"/> on <paramref name="maxTest"/> × scale sequences; fails with the (shrunk) sequence.</summary>
    public static void ForAll(Gen<StepSequence> generator, Action<StepSequence> property, int maxTest)
    {
        Stopwatch? shrinking = null;
        IEnumerable<StepSequence> Shrink(StepSequence sequence)
        {
            shrinking ??= Stopwatch.StartNew();
            return shrinking.Elapsed < ShrinkBudget ? Steps.Shrink(sequence) : [];
        }

        var config = Config.QuickThrowOnFailure.WithMaxTest(maxTest * Scale).WithQuietOnSuccess(true);
        FsCheck.Check.One(config, Prop.ForAll(Arb.From(generator, Shrink), property));
    }
}
