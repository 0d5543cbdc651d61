// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using FsCheck.Fluent;

namespace Cairn.Verification.Tests;

/// <summary>
/// Dual proofs over random transaction chains (both header versions, metadata, and linked prefixes that lag so that
/// linear and linear-advance proofs have middle elements): every proof verifies, and any single-bit flip anywhere in
/// the proof or the claim, sizes and ids included, is rejected with the integrity exception.
/// </summary>
public sealed class DualProofPropertyTests
{
    private static readonly FsCheck.Gen<(int Count, int Seed, bool Lagging, bool Mixed, int Source, int Target)> Chains =
        from count in Gen.Choose(1, 120)
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from lagging in Gen.Elements(true, false)
        from mixed in Gen.Elements(true, false)
        from target in Gen.Choose(1, count)
        from source in Gen.Choose(1, target)
        select (count, seed, lagging, mixed, source, target);

    [Fact]
    public void Dual_proofs_over_random_chains_verify_and_random_single_bit_flips_are_rejected()
    {
        Support.ForAll(Chains, c =>
        {
            var ledger = TestLedger.Random(c.Count, c.Seed, c.Lagging, c.Mixed);
            var proofCase = DualProofCase.For(ledger, (ulong)c.Source, (ulong)c.Target);
            proofCase.Verify();

            var random = new Random(c.Seed);
            var slots = proofCase.Slots();
            for (int n = 0; n < 48; n++)
            {
                var (part, index, bits) = slots[random.Next(slots.Count)];
                AssertRejected(proofCase, part, index, random.Next(bits));
            }
        }, 250);
    }

    [Fact]
    public void Every_single_bit_flip_of_the_immudb_vector_proof_is_rejected()
    {
        var ledger = ImmudbVectorTests.ImmudbLedger();
        foreach (var (source, target) in new[] { (2UL, 5UL), (5UL, 5UL), (1UL, 1UL), (1UL, 2UL), (4UL, 5UL) })
        {
            AssertEveryFlipRejected(DualProofCase.For(ledger, source, target));
        }
    }

    [Fact]
    public void Every_single_bit_flip_of_a_lagging_chain_proof_with_linear_advance_is_rejected()
    {
        var ledger = new TestLedger();
        for (int n = 1; n <= 12; n++)
        {
            // Linking lags by up to four txs, as an immudb server with asynchronous linking writes.
            ulong linked = n <= 4 ? 0 : (ulong)(n - 4 - (n % 2));
            ledger.Commit([Support.PlainEntry($"k{n}", $"v{n}")], 1_600_000_000 + n, blTxId: linked);
        }

        int advanceProofs = 0;
        for (ulong target = 1; target <= 12; target++)
        {
            for (ulong source = 1; source <= target; source++)
            {
                var proofCase = DualProofCase.For(ledger, source, target);
                proofCase.Verify();
                if (proofCase.Proof.LinearAdvanceProof is not null)
                {
                    advanceProofs++;
                }
            }
        }

        Assert.True(advanceProofs > 10, "the lagging chain must exercise linear advance proofs");
        AssertEveryFlipRejected(DualProofCase.For(ledger, 7, 12));
        AssertEveryFlipRejected(DualProofCase.For(ledger, 11, 12));
    }

    [Fact]
    public void All_pairs_of_a_mixed_version_chain_verify()
    {
        var ledger = TestLedger.Random(40, 1234, lagging: true, mixedVersions: true);
        for (ulong target = 1; target <= ledger.LastTxId; target++)
        {
            for (ulong source = 1; source <= target; source++)
            {
                DualProofCase.For(ledger, source, target).Verify();
            }
        }
    }

    private static void AssertEveryFlipRejected(DualProofCase proofCase)
    {
        proofCase.Verify();
        foreach (var (part, index, bits) in proofCase.Slots())
        {
            for (int bit = 0; bit < bits; bit++)
            {
                AssertRejected(proofCase, part, index, bit);
            }
        }
    }

    private static void AssertRejected(DualProofCase proofCase, string part, int index, int bit)
    {
        var flipped = proofCase.Flip(part, index, bit);
        if (flipped is null)
        {
            return; // no such header can be decoded: rejected before any proof is checked
        }

        var error = Record.Exception(flipped.Verify);
        Assert.True(error is IntegrityException, $"flipping bit {bit} of {part}[{index}] was {(error is null ? "accepted" : error.GetType().Name)}");
    }
}
