// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using Cairn.Storage.Verify;
using Cairn.Verification;

namespace Cairn.Storage.Tests;

public sealed class VerifyTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static DatabaseOptions Options => new() { SegmentSize = 96 << 10 };

    [Fact]
    public async Task A_healthy_database_verifies_completely()
    {
        var state = await Fill(_folder.Path, 300);
        var report = DatabaseVerifier.Verify(_folder.Path);
        Assert.True(report.Ok, string.Join("; ", report.Problems.Select(DatabaseVerifier.Describe)));
        Assert.Equal(state.TxId, report.Transactions);
        Assert.Equal(state.TxHash, report.LastAlh);
        Assert.Equal(451UL, report.Entries); // 150 single-entry txs, 150 two-entry txs and the internal first tx
        Assert.True(report.IndexEntries > 0);
    }

    [Fact]
    public async Task Every_flipped_bit_in_a_hashed_file_is_reported_and_index_damage_is_rebuilt()
    {
        // ≥ 1,000 txs; ≥ 200 flips spread over every file kind: log segments (records, headers, zero tail),
        // the locations file, the tree file, and the index files.
        var state = await Fill(_folder.Path, 1_000);
        var pristine = DatabaseVerifier.Verify(_folder.Path);
        Assert.True(pristine.Ok);
        var random = new Random(20261123);
        var kinds = new (string Name, string[] Files)[]
        {
            ("log", Directory.GetFiles(Path.Combine(_folder.Path, "log"))),
            ("locations", [Path.Combine(_folder.Path, "tx.loc")]),
            ("tree", [Path.Combine(_folder.Path, "tree.aht")]),
            ("index", Directory.GetFiles(Path.Combine(_folder.Path, "index")).Where(f => f.EndsWith(".sst", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("MANIFEST", StringComparison.Ordinal)).ToArray()),
        };
        int flips = 0, indexDetected = 0;
        foreach (var (name, files) in kinds)
        {
            Assert.NotEmpty(files);
            int count = name == "log" ? 110 : name == "index" ? 30 : 40;
            for (int n = 0; n < count; n++, flips++)
            {
                string file = files[random.Next(files.Length)];
                long length = new FileInfo(file).Length;
                long offset = name == "log" && n % 4 == 0 ? random.NextInt64(0, Math.Min(length, 64)) : random.NextInt64(0, length);
                int bit = random.Next(8);
                Flip(file, offset, bit);
                try
                {
                    var report = DatabaseVerifier.Verify(_folder.Path);
                    if (name == "index")
                    {
                        // Index files are RocksDB's: a flip in bytes nothing reads is harmless, one anywhere else is found.
                        indexDetected += report.Ok ? 0 : 1;
                        Assert.All(report.Problems, p => Assert.True(p.Rebuildable, DatabaseVerifier.Describe(p)));
                    }
                    else
                    {
                        Assert.False(report.Ok, $"{name}: bit {bit} of byte {offset} of {Path.GetFileName(file)} flipped, but Verify said ok");
                        Assert.Equal(name != "log", report.Problems.All(p => p.Rebuildable));
                    }
                }
                finally
                {
                    Flip(file, offset, bit);
                }
            }
        }

        Assert.True(flips >= 200);
        Assert.True(indexDetected > 0, "flips in index data blocks must be detected");

        // Damage the index for real, then the documented repair: reopen with RebuildIndex.
        foreach (var sst in kinds[3].Files.Where(f => f.EndsWith(".sst", StringComparison.Ordinal)))
        {
            Flip(sst, new FileInfo(sst).Length / 3, 2);
        }

        Assert.False(DatabaseVerifier.Verify(_folder.Path).Ok);
        using (var db = Database.Open(_folder.Path, Options with { RebuildIndex = true }))
        {
            Assert.Equal(state, db.State);
            Assert.Equal("value-977", Encoding.UTF8.GetString((await db.GetAsync("key-977"u8.ToArray())).Value));
        }

        Assert.True(DatabaseVerifier.Verify(_folder.Path).Ok);
    }

    [Fact]
    public async Task Verify_names_the_first_damaged_tx_file_and_offset()
    {
        await Fill(_folder.Path, 50);
        string segment = Directory.GetFiles(Path.Combine(_folder.Path, "log")).Order(StringComparer.Ordinal).First();
        Flip(segment, 64 + 40, 0); // inside tx 1's blRoot
        var report = DatabaseVerifier.Verify(_folder.Path);
        var problem = Assert.IsType<VerifyProblem>(report.FirstLogProblem);
        Assert.Equal(segment, problem.File);
        Assert.Equal(64, problem.Offset);
        Assert.Equal(1UL, problem.TxId);
        Assert.Contains("offset 64, tx 1", DatabaseVerifier.Describe(problem), StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_a_database_is_reported()
    {
        var report = DatabaseVerifier.Verify(_folder.Path);
        Assert.False(report.Ok);
        Assert.Contains("no Cairn database", report.Problems[0].Message, StringComparison.Ordinal);
    }

    internal static async Task<ImmutableState> Fill(string folder, int count)
    {
        using var db = Database.Open(folder, Options);
        for (int i = 0; i < count; i += 2)
        {
            await db.SetAsync([new KeyValue(Encoding.UTF8.GetBytes($"key-{i}"), Encoding.UTF8.GetBytes($"value-{i}"))], noWait: true);
            await db.SetAsync([new KeyValue(Encoding.UTF8.GetBytes($"key-{i + 1}"), Encoding.UTF8.GetBytes($"value-{i + 1}")), new KeyValue(Encoding.UTF8.GetBytes($"pair-{i}"), [1, 2, 3])]);
        }

        return db.State;
    }

    private static void Flip(string path, long offset, int bit)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        int b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ (1 << bit)));
    }
}
