// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using System.Text;
using Cairn.Verification;

namespace Cairn.Storage.Tests;

public sealed class RecoveryTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static DatabaseOptions Options => new() { SegmentSize = 256 << 10 };

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_torn_tail_after_a_crash_is_erased_and_the_database_continues()
    {
        var state = await Fill(100);
        var (segmentPath, end) = EndOfLog();
        MarkDirty();
        using (var file = File.OpenWrite(segmentPath))
        {
            file.Position = end;
            file.Write("CTX1 garbage of a write that never completed"u8);
        }

        using (var db = Database.Open(_folder.Path, Options))
        {
            Assert.Equal(state, db.State);
            var next = await db.SetAsync([new KeyValue("after"u8.ToArray(), "crash"u8.ToArray())]);
            Assert.Equal(state.TxId + 1, next.Id);
        }

        using var reopened = Database.Open(_folder.Path, Options);
        Assert.Equal(state.TxId + 1, reopened.LastTxId);
    }

    [Fact]
    public async Task Bytes_after_the_end_of_a_cleanly_closed_log_are_damage()
    {
        await Fill(20);
        var (segmentPath, end) = EndOfLog();
        using (var file = File.OpenWrite(segmentPath))
        {
            file.Position = end + 10;
            file.WriteByte(1);
        }

        var error = Assert.Throws<IntegrityException>(() => Database.Open(_folder.Path, Options));
        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_recent_record_refuses_to_open_and_names_file_offset_and_tx()
    {
        await Fill(100);
        var (segmentPath, offset, txId) = Location(95);
        FlipByte(segmentPath, offset + 200);
        MarkDirty();
        var error = Assert.Throws<IntegrityException>(() => Database.Open(_folder.Path, Options));
        Assert.Contains(Path.GetFileName(segmentPath), error.Message, StringComparison.Ordinal);
        Assert.Contains($"tx {txId}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_old_record_is_found_when_read()
    {
        await Fill(200);
        var (segmentPath, offset, _) = Location(10);
        FlipByte(segmentPath, offset + 180);
        using var db = Database.Open(_folder.Path, Options);
        Assert.Throws<IntegrityException>(() => db.ReadTx(10));
        Assert.Equal(11UL, db.ReadTx(11).Header.Id);
    }

    [Fact]
    public async Task Derived_files_are_rebuilt_from_the_log()
    {
        var state = await Fill(150);
        File.Delete(Path.Combine(_folder.Path, "tx.loc"));
        File.Delete(Path.Combine(_folder.Path, "tree.aht"));
        Directory.Delete(Path.Combine(_folder.Path, "index"), recursive: true);
        MarkDirty();
        using var db = Database.Open(_folder.Path, Options);
        Assert.Equal(state, db.State);
        Assert.Equal("value-42", Encoding.UTF8.GetString((await db.GetAsync("key-42"u8.ToArray())).Value));
        DualProof.Verify(db.ProveDual(3, state.TxId), 3, state.TxId, db.ReadTx(3).Alh, state.TxHash);
    }

    [Fact]
    public async Task A_lagging_locations_file_and_tree_are_completed_from_the_log()
    {
        var state = await Fill(150);
        using (var locations = File.OpenWrite(Path.Combine(_folder.Path, "tx.loc")))
        {
            locations.SetLength(40 * 16 + 7);
        }

        using (var tree = File.OpenWrite(Path.Combine(_folder.Path, "tree.aht")))
        {
            tree.SetLength(tree.Length / 3 + 5);
        }

        MarkDirty();
        using var db = Database.Open(_folder.Path, Options);
        Assert.Equal(state, db.State);
        DualProof.Verify(db.ProveDual(100, state.TxId), 100, state.TxId, db.ReadTx(100).Alh, state.TxHash);
    }

    private async Task<ImmutableState> Fill(int count)
    {
        using var db = Database.Open(_folder.Path, Options);
        for (int i = 0; i < count; i++)
        {
            await db.SetAsync([new KeyValue(Encoding.UTF8.GetBytes($"key-{i}"), Encoding.UTF8.GetBytes($"value-{i}"))]);
        }

        return db.State;
    }

    private void MarkDirty()
    {
        string meta = Path.Combine(_folder.Path, "cairn.meta");
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("\"clean\": true", "\"clean\": false", StringComparison.Ordinal));
    }

    private (string SegmentPath, long Offset, ulong TxId) Location(ulong txId)
    {
        var bytes = File.ReadAllBytes(Path.Combine(_folder.Path, "tx.loc")).AsSpan((int)(txId - 1) * 16, 16);
        uint segment = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        long offset = BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
        return (Path.Combine(_folder.Path, "log", $"{segment:D8}.seg"), offset, txId);
    }

    private (string SegmentPath, long End) EndOfLog()
    {
        long count = new FileInfo(Path.Combine(_folder.Path, "tx.loc")).Length / 16;
        var bytes = File.ReadAllBytes(Path.Combine(_folder.Path, "tx.loc")).AsSpan((int)(count - 1) * 16, 16);
        uint segment = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]);
        long offset = BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
        return (Path.Combine(_folder.Path, "log", $"{segment:D8}.seg"), offset + length);
    }

    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        int b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x10));
    }
}
