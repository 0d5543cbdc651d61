// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using Cairn.Verification;
using Cairn.Verification.Encodings;

namespace Cairn.Storage.Tests;

public sealed class DatabaseTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private long _now = 1_700_000_000;

    private DatabaseOptions Options => new() { SegmentSize = 64 << 10, UnixTimeSeconds = () => Interlocked.Read(ref _now) };

    public void Dispose() => _folder.Dispose();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(byte[] b) => Encoding.UTF8.GetString(b);

    [Fact]
    public async Task A_new_database_starts_with_the_internal_first_tx_and_sets_become_tx_2()
    {
        using var db = Database.Open(_folder.Path, Options);
        Assert.Equal(1UL, db.LastTxId);
        var first = db.ReadTx(1, withValues: true);
        Assert.Equal(SqlEncoding.DatabaseCatalogKey(1), first.Entries[0].StoredKey);
        Assert.Equal(B("dbinstance"), first.Entries[0].StoredValue);

        var header = await db.SetAsync([new KeyValue(B("key1"), B("value1"))]);
        Assert.Equal(2UL, header.Id);
        Assert.Equal(1UL, header.BlTxId);
        Assert.Equal(TxHeader.Version0, header.Version);
        var entry = await db.GetAsync(B("key1"));
        Assert.Equal("value1", S(entry.Value));
        Assert.Equal(2UL, entry.TxId);
        Assert.Equal(1UL, entry.Revision);
        Assert.Equal(header.Alh(), db.State.TxHash);
    }

    [Fact]
    public async Task Values_history_and_revisions()
    {
        using var db = Database.Open(_folder.Path, Options);
        for (int v = 1; v <= 5; v++)
        {
            await db.SetAsync([new KeyValue(B("k"), B($"v{v}"))]);
        }

        Assert.Equal("v5", S((await db.GetAsync(B("k"))).Value));
        Assert.Equal("v2", S((await db.GetAsync(B("k"), new GetOptions { AtRevision = 2 })).Value));
        Assert.Equal("v4", S((await db.GetAsync(B("k"), new GetOptions { AtRevision = -1 })).Value));
        Assert.Equal("v3", S((await db.GetAsync(B("k"), new GetOptions { AtTx = 4 })).Value));
        await AssertCode(StorageErrorCode.KeyNotFound, () => db.GetAsync(B("k"), new GetOptions { AtTx = 1 }).AsTask());
        await AssertCode(StorageErrorCode.KeyNotFound, () => db.GetAsync(B("missing")).AsTask());

        var history = await db.HistoryAsync(B("k"));
        Assert.Equal(["v1", "v2", "v3", "v4", "v5"], history.Select(e => S(e.Value)));
        Assert.Equal([1UL, 2, 3, 4, 5], history.Select(e => e.Revision));
        var page = await db.HistoryAsync(B("k"), new HistoryOptions { Offset = 1, Limit = 2, Desc = true });
        Assert.Equal(["v4", "v3"], page.Select(e => S(e.Value)));
        await AssertCode(StorageErrorCode.NoMoreEntries, () => db.HistoryAsync(B("k"), new HistoryOptions { Offset = 5 }).AsTask());
        Assert.Empty(await db.HistoryAsync(B("k"), new HistoryOptions { Offset = 6 }));
        await AssertCode(StorageErrorCode.MaxScanLimitExceeded, () => db.HistoryAsync(B("k"), new HistoryOptions { Limit = 1001 }).AsTask());
    }

    [Fact]
    public async Task Scans_follow_immudb_order_and_bounds()
    {
        using var db = Database.Open(_folder.Path, Options);
        await db.SetAsync([.. new[] { "a", "b1", "b2", "b3", "c" }.Select(k => new KeyValue(B(k), B(k.ToUpperInvariant())))]);
        Assert.Equal(["b1", "b2", "b3"], (await db.ScanAsync(new ScanOptions { Prefix = B("b") })).Select(e => S(e.Key)));
        Assert.Equal(["b3", "b2", "b1"], (await db.ScanAsync(new ScanOptions { Prefix = B("b"), Desc = true })).Select(e => S(e.Key)));
        Assert.Equal(["b2", "b3"], (await db.ScanAsync(new ScanOptions { Prefix = B("b"), SeekKey = B("b1") })).Select(e => S(e.Key)));
        Assert.Equal(["b1", "b2", "b3"], (await db.ScanAsync(new ScanOptions { Prefix = B("b"), SeekKey = B("b1"), InclusiveSeek = true })).Select(e => S(e.Key)));
        Assert.Equal(["b1"], (await db.ScanAsync(new ScanOptions { Prefix = B("b"), Desc = true, SeekKey = B("b2") })).Select(e => S(e.Key)));
        Assert.Equal(["a", "b1"], (await db.ScanAsync(new ScanOptions { EndKey = B("b2") })).Select(e => S(e.Key)));
        Assert.Equal(["a", "b1", "b2"], (await db.ScanAsync(new ScanOptions { EndKey = B("b2"), InclusiveEnd = true })).Select(e => S(e.Key)));
        Assert.Equal(["b2", "b3"], (await db.ScanAsync(new ScanOptions { Offset = 2, Limit = 2 })).Select(e => S(e.Key)));
        Assert.Equal(3UL, await db.CountAsync(B("b")));
        Assert.Equal(5UL, await db.CountAsync([]));
    }

    [Fact]
    public async Task References_resolve_one_level_and_follow_immudb_rules()
    {
        using var db = Database.Open(_folder.Path, Options);
        var set = await db.SetAsync([new KeyValue(B("target"), B("t1"))]);
        var reference = await db.SetReferenceAsync(B("ref"), B("target"));
        await db.SetAsync([new KeyValue(B("target"), B("t2"))]);
        var bound = await db.SetReferenceAsync(B("bound"), B("target"), set.Id, boundRef: true);

        var viaRef = await db.GetAsync(B("ref"));
        Assert.Equal("t2", S(viaRef.Value));
        Assert.Equal("target", S(viaRef.Key));
        Assert.Equal(reference.Id, viaRef.ReferencedBy!.TxId);
        Assert.Equal("ref", S(viaRef.ReferencedBy.Key));
        var viaBound = await db.GetAsync(B("bound"));
        Assert.Equal("t1", S(viaBound.Value));
        Assert.Equal(set.Id, viaBound.TxId);
        Assert.Equal(bound.Id, viaBound.ReferencedBy!.TxId);

        await AssertCode(StorageErrorCode.FinalKeyCannotBeConvertedIntoReference, () => db.SetReferenceAsync(B("target"), B("bound")));
        await AssertCode(StorageErrorCode.ReferencedKeyCannotBeAReference, () => db.SetReferenceAsync(B("ref2"), B("ref")));
        await AssertCode(StorageErrorCode.KeyNotFound, () => db.SetReferenceAsync(B("ref3"), B("nothing")));
        await AssertCode(StorageErrorCode.IllegalArguments, () => db.SetReferenceAsync(B("ref4"), B("target"), 3, boundRef: false));
        Assert.Equal(["bound", "ref", "target"], (await db.ScanAsync()).Select(e => e.ReferencedBy is null ? S(e.Key) : S(e.ReferencedBy.Key)));
    }

    [Fact]
    public async Task Sorted_sets_scan_by_score()
    {
        using var db = Database.Open(_folder.Path, Options);
        await db.SetAsync([new KeyValue(B("alice"), B("A")), new KeyValue(B("bob"), B("B")), new KeyValue(B("carol"), B("C"))]);
        await db.ZAddAsync(B("scores"), 3, B("alice"));
        await db.ZAddAsync(B("scores"), 1, B("bob"));
        await db.ZAddAsync(B("scores"), 2, B("carol"));
        var members = await db.ZScanAsync(B("scores"));
        Assert.Equal(["bob", "carol", "alice"], members.Select(m => S(m.Key)));
        Assert.Equal([1.0, 2, 3], members.Select(m => m.Score));
        Assert.Equal("B", S(members[0].Entry.Value));
        Assert.Equal(["alice", "carol", "bob"], (await db.ZScanAsync(B("scores"), new ZScanOptions { Desc = true })).Select(m => S(m.Key)));
        Assert.Equal(["carol"], (await db.ZScanAsync(B("scores"), new ZScanOptions { MinScore = 1.5, MaxScore = 2.5 })).Select(m => S(m.Key)));
        await AssertCode(StorageErrorCode.KeyNotFound, () => db.ZAddAsync(B("scores"), 1, B("nobody")));
    }

    [Fact]
    public async Task Deletes_and_expirations_are_version_1_entries_that_hide_the_key()
    {
        using var db = Database.Open(_folder.Path, Options);
        await db.SetAsync([new KeyValue(B("gone"), B("x")), new KeyValue(B("kept"), B("y"))]);
        var delete = await db.DeleteAsync([B("gone")]);
        Assert.Equal(TxHeader.Version1, delete.Version);
        await AssertCode(StorageErrorCode.KeyNotFound, () => db.GetAsync(B("gone")).AsTask());
        await AssertCode(StorageErrorCode.KeyNotFound, () => db.DeleteAsync([B("gone")]));
        var history = await db.HistoryAsync(B("gone"));
        Assert.True(history[^1].Metadata!.Deleted);

        var expiring = await db.SetAsync([new KeyValue(B("temp"), B("t"), new KvMetadata { ExpiresAt = _now + 10 })]);
        Assert.Equal(TxHeader.Version1, expiring.Version);
        Assert.Equal("t", S((await db.GetAsync(B("temp"))).Value));
        Interlocked.Add(ref _now, 11);
        await AssertCode(StorageErrorCode.KeyNotFound, () => db.GetAsync(B("temp")).AsTask());
        Assert.Equal(["kept"], (await db.ScanAsync()).Select(e => S(e.Key)));
    }

    [Fact]
    public async Task Preconditions_are_checked_atomically()
    {
        using var db = Database.Open(_folder.Path, Options);
        var first = await db.SetAsync([new KeyValue(B("k"), B("1"))]);
        await AssertCode(StorageErrorCode.PreconditionFailed, () => db.SetAsync([new KeyValue(B("k"), B("2"))], [new Precondition.KeyMustNotExist(B("k"))]));
        await db.SetAsync([new KeyValue(B("k"), B("2"))], [new Precondition.KeyMustExist(B("k")), new Precondition.KeyNotModifiedAfterTx(B("k"), first.Id)]);
        await AssertCode(StorageErrorCode.PreconditionFailed, () => db.SetAsync([new KeyValue(B("k"), B("3"))], [new Precondition.KeyNotModifiedAfterTx(B("k"), first.Id)]));
        Assert.Equal("2", S((await db.GetAsync(B("k"))).Value));
    }

    [Fact]
    public async Task Limits_and_bad_input_get_clear_errors()
    {
        using var db = Database.Open(_folder.Path, Options with { MaxValueLength = 101, MaxTxEntries = 4 });
        await AssertCode(StorageErrorCode.IllegalArguments, () => db.SetAsync([new KeyValue([], B("v"))]));
        await AssertCode(StorageErrorCode.IllegalArguments, () => db.SetAsync([]));
        await AssertCode(StorageErrorCode.MaxKeyLengthExceeded, () => db.SetAsync([new KeyValue(new byte[1024], B("v"))]));
        await AssertCode(StorageErrorCode.MaxValueLengthExceeded, () => db.SetAsync([new KeyValue(B("k"), new byte[101])]));
        await AssertCode(StorageErrorCode.MaxTxEntriesExceeded, () => db.SetAsync([.. Enumerable.Range(0, 5).Select(i => new KeyValue(B($"k{i}"), B("v")))]));
        await AssertCode(StorageErrorCode.DuplicatedKey, () => db.SetAsync([new KeyValue(B("k"), B("1")), new KeyValue(B("k"), B("2"))]));
        await db.SetAsync([new KeyValue(new byte[1023], new byte[100])]);
        Assert.Equal(2UL, db.LastTxId);
    }

    [Fact]
    public async Task Proofs_for_reads_and_writes_verify_with_the_verification_library()
    {
        using var db = Database.Open(_folder.Path, Options);
        var trusted = db.State;
        for (int i = 0; i < 40; i++)
        {
            await db.SetAsync([new KeyValue(B($"k{i}"), B($"v{i}")), new KeyValue(B($"x{i}"), B("x"))]);
        }

        var state = db.State;
        DualProof.Verify(db.ProveDual(trusted.TxId, state.TxId), trusted.TxId, state.TxId, trusted.TxHash, state.TxHash);
        var entry = await db.GetAsync(B("k7"));
        var tx = db.ReadTx(entry.TxId);
        var storedKey = KeyValueEncoding.StoredKey(B("k7"));
        var digest = TxEntry.ForValue(storedKey, KeyValueEncoding.PlainValue(entry.Value)).DigestFor(tx.Header.Version);
        TxMerkleTree.VerifyInclusion(db.ProveEntry(entry.TxId, storedKey), digest, tx.Header);
        DualProof.Verify(db.ProveDual(entry.TxId, state.TxId), entry.TxId, state.TxId, tx.Alh, state.TxHash);
        Assert.Equal(tx.Alh, tx.Header.Alh());
    }

    [Fact]
    public async Task Reopening_keeps_everything_and_continues_the_chain()
    {
        ImmutableState before;
        using (var db = Database.Open(_folder.Path, Options))
        {
            for (int i = 0; i < 300; i++)
            {
                await db.SetAsync([new KeyValue(B($"k{i % 50}"), new byte[300])]);
            }

            before = db.State;
        }

        using (var db = Database.Open(_folder.Path, Options))
        {
            Assert.Equal(before, db.State);
            Assert.Equal(6UL, (ulong)(await db.HistoryAsync(B("k3"))).Count);
            var next = await db.SetAsync([new KeyValue(B("after"), B("reopen"))]);
            Assert.Equal(before.TxId + 1, next.Id);
            Assert.Equal(before.TxHash, next.PrevAlh);
            DualProof.Verify(db.ProveDual(before.TxId, next.Id), before.TxId, next.Id, before.TxHash, next.Alh());
        }

        Assert.True(Directory.GetFiles(Path.Combine(_folder.Path, "log")).Length > 2, "the small segment size must have rotated segments");
    }

    [Fact]
    public async Task Concurrent_writers_share_group_commits_and_every_tx_is_present()
    {
        using var db = Database.Open(_folder.Path, Options);
        var tasks = Enumerable.Range(0, 16).Select(async w =>
        {
            var ids = new List<ulong>();
            for (int i = 0; i < 50; i++)
            {
                ids.Add((await db.SetAsync([new KeyValue(B($"w{w}.{i}"), B($"{w}:{i}"))], noWait: i % 2 == 0)).Id);
            }

            return ids;
        });
        var all = (await Task.WhenAll(tasks)).SelectMany(x => x).ToList();
        Assert.Equal(800, all.Distinct().Count());
        Assert.Equal(801UL, db.LastTxId);
        Assert.Equal("7:33", S((await db.GetAsync(B("w7.33"))).Value));
    }

    [Fact]
    public async Task Writes_that_do_not_wait_for_the_index_are_held_when_it_falls_too_far_behind()
    {
        using var indexGate = new ManualResetEventSlim(true);
        using var db = Database.Open(_folder.Path, Options with { MaxIndexLag = 10, BeforeIndexBatch = indexGate.Wait });
        Task<TxHeader> Write(int tx) => db.SetAsync([.. Enumerable.Range(0, 5).Select(i => new KeyValue(B($"k{tx}-{i}"), B("v")))], noWait: true);
        indexGate.Reset();
        try
        {
            // With the index held, the committer takes txs while at most 10 entries are unindexed: 5, 10, then 15.
            for (int tx = 0; tx < 3; tx++)
            {
                await Write(tx).WaitAsync(TimeSpan.FromSeconds(10));
            }

            var held = Write(3);
            await Task.Delay(300);
            Assert.False(held.IsCompleted);
            indexGate.Set();
            var header = await held.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(5UL, header.Id); // tx 1 is the internal marker, the first three writes are 2–4
            Assert.Equal("v", S((await db.GetAsync(B("k3-4"), new GetOptions { SinceTx = header.Id })).Value));
        }
        finally
        {
            indexGate.Set(); // so that Dispose can finish indexing
        }
    }

    [Fact]
    public async Task An_index_applied_in_batches_of_many_txs_equals_one_rebuilt_from_the_log()
    {
        // noWait writes let the indexer take many txs per batch, with keys repeated across them (revisions 1, 2, 3…
        // within one batch) and keys whose first version came in an earlier batch. Keys of several lengths, some
        // alike in their first 8 bytes (the batch sort compares those first).
        var options = Options with { SegmentSize = 1 << 20 };
        var keys = Enumerable.Range(0, 40).Select(i => B(i % 4 == 3 ? $"key-with-a-long-shared-part-{i}" : $"key{i}")).ToArray();
        var random = new Random(9);
        var expected = keys.ToDictionary(k => S(k), _ => new List<string>());
        using (var db = Database.Open(_folder.Path, options))
        {
            var writes = new List<Task<TxHeader>>();
            for (int tx = 0; tx < 300; tx++)
            {
                var chosen = keys.OrderBy(_ => random.Next()).Take(1 + random.Next(8)).ToArray();
                foreach (var key in chosen)
                {
                    expected[S(key)].Add($"{S(key)}@{tx}");
                }

                writes.Add(db.SetAsync([.. chosen.Select(k => new KeyValue(k, B($"{S(k)}@{tx}")))], noWait: true));
                if (tx % 50 == 49)
                {
                    await Task.WhenAll(writes);
                }
            }

            await Task.WhenAll(writes);
            await AssertIndexMatches(db);
        }

        using (var rebuilt = Database.Open(_folder.Path, options with { RebuildIndex = true }))
        {
            await AssertIndexMatches(rebuilt);
        }

        async Task AssertIndexMatches(Database db)
        {
            var sinceLast = new GetOptions { SinceTx = db.LastTxId };
            foreach (var key in keys)
            {
                var values = expected[S(key)];
                if (values.Count == 0)
                {
                    await AssertCode(StorageErrorCode.KeyNotFound, () => db.GetAsync(key, sinceLast).AsTask());
                    continue;
                }

                var latest = await db.GetAsync(key, sinceLast);
                Assert.Equal(values[^1], S(latest.Value));
                Assert.Equal((ulong)values.Count, latest.Revision);
                var history = await db.HistoryAsync(key, new HistoryOptions { Limit = 1000 });
                Assert.Equal(values, history.Select(e => S(e.Value)));
                Assert.Equal(Enumerable.Range(1, values.Count).Select(r => (ulong)r), history.Select(e => e.Revision));
                foreach (var version in history)
                {
                    Assert.Equal(S(version.Value), S((await db.GetAsync(key, new GetOptions { AtTx = version.TxId })).Value));
                    Assert.Equal(S(version.Value), S((await db.GetAsync(key, new GetOptions { AtRevision = (long)version.Revision })).Value));
                }
            }

            var scan = await db.ScanAsync(new ScanOptions { Prefix = B("key"), Limit = 1000 });
            Assert.Equal(expected.Where(e => e.Value.Count > 0).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value[^1]), scan.Select(e => S(e.Value)));
            Assert.Equal((ulong)scan.Count, await db.CountAsync(B("key")));
        }
    }

    [Fact]
    public async Task Writes_nobody_waits_for_are_indexed_in_batches_but_a_waiter_is_served_at_once()
    {
        // A batch delay far longer than the test: only a waiter (or MaxIndexLag, or closing) may start a batch.
        using var db = Database.Open(_folder.Path, Options with { IndexBatchDelay = TimeSpan.FromMinutes(10) });
        var quick = TimeSpan.FromSeconds(10);
        var first = await db.SetAsync([new KeyValue(B("a"), B("1"))], noWait: true);
        await Task.Delay(200);
        Assert.True(db.IndexedTxId < first.Id, "the indexer lets a write nobody waits for wait for more");

        // A read that waits for the last tx (GetAsync's default), a write that waits for its own, and a write whose
        // precondition the committer checks against the index each get their answer without the delay.
        Assert.Equal("1", S((await db.GetAsync(B("a")).AsTask().WaitAsync(quick)).Value));
        await db.SetAsync([new KeyValue(B("b"), B("1"))], noWait: true);
        var second = await db.SetAsync([new KeyValue(B("a"), B("2"))]).WaitAsync(quick);
        Assert.True(db.IndexedTxId >= second.Id);
        await db.SetAsync([new KeyValue(B("c"), B("1"))], noWait: true);
        await db.SetAsync([new KeyValue(B("d"), B("1"))], [new Precondition.KeyMustExist(B("c"))], noWait: true).WaitAsync(quick);
        Assert.Equal(2UL, (await db.GetAsync(B("a"))).Revision);
    }

    [Fact]
    public async Task Writes_nobody_waits_for_are_indexed_after_the_batch_delay_and_on_close()
    {
        var options = Options with { IndexBatchDelay = TimeSpan.FromMilliseconds(50) };
        ulong last;
        using (var db = Database.Open(_folder.Path, options))
        {
            last = (await db.SetAsync([new KeyValue(B("a"), B("1"))], noWait: true)).Id;
            Assert.True(SpinWait.SpinUntil(() => db.IndexedTxId >= last, TimeSpan.FromSeconds(10)), "indexed after the delay, with nobody waiting");
        }

        using (var db = Database.Open(_folder.Path, options with { IndexBatchDelay = TimeSpan.FromMinutes(10) }))
        {
            last = (await db.SetAsync([new KeyValue(B("b"), B("1"))], noWait: true)).Id;
        }

        // Closing applies what was gathered (or the reopen replays it): either way the index has it.
        using (var db = Database.Open(_folder.Path, options))
        {
            Assert.Equal(last, db.IndexedTxId);
            Assert.Equal("1", S((await db.GetAsync(B("b"), new GetOptions { NoWait = true })).Value));
        }
    }

    private static async Task AssertCode(StorageErrorCode code, Func<Task> action)
    {
        var error = await Assert.ThrowsAsync<StorageException>(action);
        Assert.Equal(code, error.Code);
    }
}
