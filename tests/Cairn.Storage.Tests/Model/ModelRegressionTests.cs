// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Storage.Tests.Model;

/// <summary>
/// Fixed sequences, each the smallest found by the property test for one disagreement between the engine and
/// immudb-format.md §5; they run through the same runner and model, so a failure prints both answers.
/// </summary>
public sealed class ModelRegressionTests
{
    private static readonly TxPick NoTx = TxPick.None;

    /// <summary>§5.3 ExecAll: a ref/zadd may skip the existence check only for a key set by a KV op *earlier* in the request.</summary>
    [Fact]
    public void A_sorted_set_member_cannot_target_a_key_that_is_set_later_in_the_same_request() =>
        Run(new ExecStep([ZAdd("s", 1, "a"), Put("a", "1")], [], false));

    /// <summary>The same rule for a reference.</summary>
    [Fact]
    public void A_reference_cannot_target_a_key_that_is_set_later_in_the_same_request() =>
        Run(new ExecStep([Reference("r1", "a"), Put("a", "1")], [], false));

    /// <summary>
    /// §5.3 ExecAll: the existence check is skipped for a key set earlier in the request "unless atTx &gt; 0". An explicit
    /// atTx naming the tx being committed (2 on a new database) is checked against the index, where tx 2 is not yet.
    /// </summary>
    [Fact]
    public void An_explicit_atTx_of_the_tx_being_committed_is_checked_even_for_a_key_set_earlier() =>
        Run(new ExecStep([Put("a", "1"), new ExecItem(ExecKind.Reference, "r1", "a", 0, new TxPick(TxPickMode.BeyondLast, 0), BoundMode.Consistent, null, false)], [], false));

    /// <summary>Both rules hold the other way round: a key set earlier in the request needs no existence check.</summary>
    [Fact]
    public void References_and_members_may_target_a_key_set_earlier_in_the_same_request() =>
        Run(new ExecStep([Put("a", "1"), Reference("r1", "a"), ZAdd("s", 1, "a")], [], false));

    /// <summary>§5.3 ExecAll: "rejects … duplicated (set,key,atTx) zadds" — two scores for one member in one request.</summary>
    [Fact]
    public void One_request_cannot_add_the_same_member_to_a_set_twice_with_different_scores() =>
        Run(
            new SetStep([new SetItem("a", "1", null, false)], [], false),
            new ExecStep([ZAdd("s", 1, "a"), ZAdd("s", 2, "a")], [], false));

    /// <summary>
    /// §5.4 ZScan: "entry = member resolved at atTx" and references resolve one level. A member added while its key held a
    /// value, whose key later became a reference, must come back resolved, not as the reference's stored bytes.
    /// </summary>
    [Fact]
    public void A_sorted_set_member_whose_key_became_a_reference_is_resolved() =>
        Run(
            new SetStep([new SetItem("a", "1", null, false), new SetItem("b", "2", null, false)], [], false),
            new ZAddStep("s", 1, "a", NoTx, BoundMode.Consistent, false),
            new DeleteStep(["a"], false),
            new ReferenceStep("a", "b", NoTx, BoundMode.Consistent, [], false),
            new ZScanStep("s", null, 0, NoTx, false, null, null, false, 0, 0));

    private static ExecItem Put(string key, string value) => new(ExecKind.Put, key, value, 0, NoTx, BoundMode.Consistent, null, false);

    private static ExecItem Reference(string key, string target) => new(ExecKind.Reference, key, target, 0, NoTx, BoundMode.Consistent, null, false);

    private static ExecItem ZAdd(string set, double score, string key) => new(ExecKind.ZAdd, key, set, score, NoTx, BoundMode.Consistent, null, false);

    private static void Run(params Step[] steps) => ModelRunner.Run(new StepSequence(steps));
}
