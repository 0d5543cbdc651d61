// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Diagnostics;
using Cairn.Client.Tests.Support;
using Google.Protobuf;
using Wire = Cairn.Protocol.Immudb;
using Xunit.Abstractions;

namespace Cairn.Client.Tests;

/// <summary>
/// A random verified call through the lying server, with one random alteration of one field of the reply (or of the
/// identity header, or a rolled-back state): if the field is authenticated the SDK must throw
/// <see cref="CairnIntegrityException"/> and its trust (client and store) must stay the baseline. Fields that no hash
/// covers are listed in <see cref="Unauthenticated"/> with the reason; altering them must never make the client
/// trust a state the real server does not have. CAIRN_TEST_SCALE multiplies the cases; CAIRN_LIAR_SEED replays a run.
/// </summary>
[Collection(LiarServerGroup.Name)]
public sealed class LyingServerPropertyTests(LiarFixture fixture, ITestOutputHelper output)
{
    private const int MustThrowCases = 1_000;
    private const int UnauthenticatedCases = 150;

    private static int Scale { get; } = int.TryParse(Environment.GetEnvironmentVariable("CAIRN_TEST_SCALE"), out int scale) && scale > 0 ? scale : 1;

    private static int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("CAIRN_LIAR_SEED"), out int seed) ? seed : Environment.TickCount;

    /// <summary>The verified calls, each with the methods whose replies it checks.</summary>
    internal static readonly VerifiedCall[] Calls =
    [
        new("VerifiedSet", ["VerifiableSet"], (c, f, r) => c.VerifiedSetAsync(LiarFixture.U($"p:{r.Next()}"), LiarFixture.U($"v{r.Next()}"))),
        new("VerifiedSetAll", ["VerifiableSet"], (c, f, r) => c.VerifiedSetAllAsync([(LiarFixture.U($"p:{r.Next()}a"), LiarFixture.U("1")), (LiarFixture.U($"p:{r.Next()}b"), LiarFixture.U("2"))])),
        new("VerifiedGet older key", ["VerifiableGet"], (c, f, r) => c.VerifiedGetAsync(LiarFixture.U(r.Next(3) == 0 ? $"old:m{r.Next(3)}" : r.Next(2) == 0 ? $"old:w{r.Next(5)}" : $"old:{r.Next(4)}"))),
        new("VerifiedGet of the trusted tx", ["VerifiableGet"], (c, f, r) => c.VerifiedGetAsync(LiarFixture.U("base"))),
        new("VerifiedGet newer key", ["VerifiableGet"], (c, f, r) => c.VerifiedGetAsync(LiarFixture.U(r.Next(2) == 0 ? $"new:m{r.Next(3)}" : $"new:{r.Next(4)}"))),
        new("VerifiedGetAt", ["VerifiableGet"], async (c, f, r) =>
        {
            string key = r.Next(2) == 0 ? "old:2" : "new:2";
            await c.VerifiedGetAtAsync(LiarFixture.U(key), await TxOfAsync(f, key));
        }),
        new("VerifiedSetReference", ["VerifiableSetReference"], (c, f, r) => c.VerifiedSetReferenceAsync(LiarFixture.U($"pref:{r.Next()}"), LiarFixture.U("old:1"))),
        new("VerifiedGet through a reference", ["VerifiableGet"], (c, f, r) => c.VerifiedGetAsync(LiarFixture.U(r.Next(2) == 0 ? "oldref" : "newref"))),
        new("VerifiedZAdd", ["VerifiableZAdd"], (c, f, r) => c.VerifiedZAddAsync(LiarFixture.U("pset"), r.Next(100), LiarFixture.U("old:0"))),
        new("VerifiedTxById older", ["VerifiableTxById"], (c, f, r) => c.VerifiedTxByIdAsync((ulong)r.NextInt64(1, (long)f.Baseline.TxId))),
        new("VerifiedTxById of the trusted tx", ["VerifiableTxById"], (c, f, r) => c.VerifiedTxByIdAsync(f.Baseline.TxId)),
        new("VerifiedTxById newer", ["VerifiableTxById"], (c, f, r) => c.VerifiedTxByIdAsync((ulong)r.NextInt64((long)f.Baseline.TxId + 1, (long)f.LastSetupTx + 1))),
        new("VerifiedState", ["CurrentState", "VerifiableTxById"], (c, f, r) => c.VerifiedStateAsync()),
    ];

    /// <summary>
    /// Why a field is outside what the verification authenticates (null: it is authenticated, altering it must throw).
    /// These are the fields immudb's format leaves uncovered, or that the SDK neither checks nor returns.
    /// </summary>
    internal static string? Unauthenticated(string method, bool withKey, IMessage reply, string field)
    {
        if (field.EndsWith(".vLen", StringComparison.Ordinal))
        {
            return "TxEntry.vLen is in no digest: v0 hashes H(key || hValue), v1 H(len md || md || len key || key || hValue)";
        }

        if (field is "entry.revision" or "entry.referencedBy.revision")
        {
            return "revision is index bookkeeping (the how-many-th value of the key), never hashed";
        }

        if (field == "entry.expired")
        {
            return "expired is computed at read time from the metadata and the server's clock, never hashed";
        }

        if (method == "VerifiableGet" && field.StartsWith("verifiableTx.tx.entries", StringComparison.Ordinal))
        {
            return "a get proves its one entry by inclusionProof against the header's eH; the tx's entry list is neither checked nor returned";
        }

        if (field.Contains("kvEntries", StringComparison.Ordinal) || field.Contains("zEntries", StringComparison.Ordinal))
        {
            return "Tx.kvEntries/zEntries are decoded views (not sent by Cairn), neither hashed nor read by the SDK";
        }

        if (reply is Wire.VerifiableEntry { Entry.ReferencedBy: not null }
            && (field is "entry.tx" or "entry.value" || field.StartsWith("entry.metadata", StringComparison.Ordinal)))
        {
            return "through a reference the proof covers the reference entry (ref key -> 0x01 || atTx || 0x00 || referenced key); "
                + "the value, tx and metadata it resolves to are outside immudb's proof (as in immudb's own SDKs)";
        }

        if (!withKey && field.Contains("signature", StringComparison.OrdinalIgnoreCase))
        {
            return "without a server key configured signatures are neither required nor checked";
        }

        if (method == "CurrentState" && field.StartsWith("precommitted", StringComparison.Ordinal))
        {
            return "the pre-commit state (immudb 1.2+ replication) is not used by the SDK";
        }

        return null;
    }

    [Fact]
    public async Task Every_alteration_of_an_authenticated_field_is_an_integrity_failure_and_moves_no_trust()
    {
        var failures = await RunAsync(MustThrowCases * Scale, mustThrow: true);
        Assert.True(failures.Count == 0, $"seed {Seed}: {failures.Count} lies were not caught:\n" + string.Join('\n', failures.Take(40)));
    }

    [Fact]
    public async Task Altering_an_unauthenticated_field_never_makes_the_client_trust_a_state_the_server_does_not_have()
    {
        var failures = await RunAsync(UnauthenticatedCases * Scale, mustThrow: false);
        Assert.True(failures.Count == 0, $"seed {Seed}: {failures.Count} failures:\n" + string.Join('\n', failures.Take(40)));
    }

    private async Task<List<string>> RunAsync(int cases, bool mustThrow)
    {
        var random = new Random(Seed + (mustThrow ? 0 : 1));
        var failures = new List<string>();
        var seen = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        int done = 0;
        while (done < cases)
        {
            var call = Calls[random.Next(Calls.Length)];
            bool withKey = random.Next(2) == 0;
            bool fileStore = random.Next(2) == 0;
            string method = call.Methods[random.Next(call.Methods.Length)];
            var lie = new Random(random.Next());
            string? chosen = null;
            string category = string.Empty;
            Alteration alteration;
            if (mustThrow && lie.Next(40) == 0)
            {
                chosen = category = "swap identity header";
                alteration = new Alteration { Method = method, Identity = "9f86d081-884c-4d63-a5f4-liar00000000", Limit = 1 };
            }
            else if (mustThrow && method == "CurrentState" && lie.Next(8) == 0)
            {
                chosen = category = "replace state with an older one";
                alteration = new Alteration { Method = method, Rewrite = _ => fixture.OlderState.Clone(), Limit = 1 };
            }
            else
            {
                alteration = new Alteration
                {
                    Method = method,
                    Limit = 1,
                    Rewrite = reply =>
                    {
                        var candidates = ReplyMutations.All(reply, lie).Where(m => (Unauthenticated(method, withKey, reply, m.Field) is null) == mustThrow).ToList();
                        if (candidates.Count > 0)
                        {
                            var mutation = candidates[lie.Next(candidates.Count)];
                            chosen = $"{mutation} ({method})";
                            category = $"{method} {mutation.Field} {mutation.Op.Split(' ')[0]}";
                            mutation.Apply();
                        }

                        return reply;
                    },
                };
            }

            var (client, trust) = await fixture.BaselineClientAsync(fileStore, withKey, mustThrow ? "must" : "may");
            Exception? thrown;
            await using (client)
            {
                fixture.Proxy.Alteration = alteration;
                try
                {
                    thrown = await Record.ExceptionAsync(() => call.Run(client, fixture, lie));
                }
                finally
                {
                    fixture.Proxy.Alteration = null;
                }

                if (alteration.Error is { } error)
                {
                    throw new InvalidOperationException($"the lie could not be told ({call.Name}, {method})", error);
                }

                if (chosen is null)
                {
                    continue; // Nothing of the wanted kind in this reply (e.g. no unauthenticated field): draw again.
                }

                done++;
                string where = $"{call.Name} [{(withKey ? "key" : "no key")}, {(fileStore ? "file" : "memory")}]: {chosen}";
                seen[category] = seen.GetValueOrDefault(category) + 1;
                if (mustThrow)
                {
                    if (thrown is not CairnIntegrityException)
                    {
                        failures.Add($"{where} -> {(thrown is null ? "accepted" : thrown.GetType().Name + ": " + thrown.Message)}");
                    }
                    else if (await trust.ChangedAsync() is { } changed)
                    {
                        failures.Add($"{where} -> threw, but {changed}");
                    }
                }
                else if (thrown is not null and not CairnIntegrityException)
                {
                    failures.Add($"{where} -> {thrown.GetType().Name}: {thrown.Message}");
                }
                else if (client.TrustedState is { } held && held.TxHash != (await fixture.RealHeaderAsync(held.TxId)).Alh())
                {
                    failures.Add($"{where} -> trusts tx {held.TxId} with an Alh the server does not have");
                }
            }
        }

        output.WriteLine($"{cases} cases ({(mustThrow ? "authenticated" : "unauthenticated")} fields), seed {Seed}, {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var (category, count) in seen)
        {
            output.WriteLine($"{count,5}  {category}");
        }

        return failures;
    }

    // The tx the real server wrote the latest value of `key` in.
    private static async Task<ulong> TxOfAsync(LiarFixture fixture, string key) =>
        (await fixture.Server.Client.GetAsync(new Wire.KeyRequest { Key = ByteString.CopyFromUtf8(key) }, fixture.Direct)).Tx;
}

/// <summary>A verified SDK call and the methods whose replies it verifies.</summary>
internal sealed record VerifiedCall(string Name, string[] Methods, Func<CairnClient, LiarFixture, Random, Task> Run);
