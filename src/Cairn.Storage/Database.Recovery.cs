// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Cairn.Storage.Commit;
using Cairn.Storage.Format;
using Cairn.Storage.Index;
using Cairn.Storage.Log;
using Cairn.Storage.Tree;
using Cairn.Verification;
using Cairn.Verification.Encodings;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage;

public sealed partial class Database
{
    private const string LogFolder = "log";
    private const string LocationsFile = "tx.loc";
    private const string TreeFile = "tree.aht";
    private const string IndexFolder = "index";

    // The newest txs whose chain, tree leaves and roots are re-checked on every open.
    private const int ChainCheckDepth = 64;

    /// <summary>The value of the internal first transaction, as immudb 1.1 writes it (immudb-format §8).</summary>
    private static readonly byte[] FirstTxValue = "dbinstance"u8.ToArray();

    private async Task<TxHeader> CommitInternalAsync(PreparedEntry[] entries)
    {
        var pending = new PendingTx([], []) { Entries = entries };
        Seal(pending);
        Enqueue(pending);
        var header = await pending.Completion.Task.ConfigureAwait(false);
        await _watermark.WaitAsync(header.Id, _options.IndexWaitTimeout, CancellationToken.None).ConfigureAwait(false);
        return header;
    }

    /// <summary>Opening: create, or recover the log, the derived files and the index, then start the threads.</summary>
    private static class Recovery
    {
        public static Database Open(string folder, DatabaseOptions options)
        {
            var device = options.Device;
            var logger = options.Logger;
            var meta = Meta.Read(device, folder);
            if (meta is null && !options.CreateIfMissing)
            {
                throw new DirectoryNotFoundException($"No Cairn database in {folder}.");
            }

            device.CreateDirectory(folder);
            if (meta is null)
            {
                meta = new Meta(options.Name, Clean: false, 0, Digest.OfEmpty);
                Meta.Write(device, folder, meta);
            }

            SegmentLog? log = null;
            TxLocationFile? locations = null;
            FileTreeNodeStore? treeStore = null;
            KeyIndex? index = null;
            try
            {
                log = new SegmentLog(device, Path.Combine(folder, LogFolder), options.SegmentSize);
                locations = new TxLocationFile(device, Path.Combine(folder, LocationsFile));
                treeStore = new FileTreeNodeStore(device, Path.Combine(folder, TreeFile));
                ulong lastTx = RecoverLog(log, locations, meta, logger);
                var tree = RecoverTree(treeStore, log, locations, lastTx, logger);
                var lastAlh = lastTx == 0 ? Digest.OfEmpty : ReadRecordAt(log, locations, lastTx).Alh;
                string indexFolder = Path.Combine(folder, IndexFolder);
                if (options.RebuildIndex)
                {
                    KeyIndex.Destroy(indexFolder);
                }

                index = OpenIndex(indexFolder, log, locations, lastTx, logger);
                if (meta.Clean || meta.Name != options.Name)
                {
                    // From here on a crash must be recognised as one: the log may end in a torn write.
                    Meta.Write(device, folder, meta with { Name = options.Name, Clean = false });
                }
                var database = new Database(folder, options, log, locations, treeStore, tree, index, new CommittedState(lastTx, lastAlh));
                database.Start();
                if (lastTx == 0)
                {
                    database.CommitInternalAsync([PreparedEntry.Create(SqlEncoding.DatabaseCatalogKey(1), FirstTxValue, null)]).GetAwaiter().GetResult();
                }

                StorageLog.Opened(logger, options.Name, folder, database.LastTxId);
                return database;
            }
            catch
            {
                index?.Dispose();
                treeStore?.Dispose();
                locations?.Dispose();
                log?.Dispose();
                throw;
            }
        }

        /// <summary>Finds the end of the log, erases a torn tail, completes the locations file; returns the last tx.</summary>
        private static ulong RecoverLog(SegmentLog log, TxLocationFile locations, Meta meta, ILogger logger)
        {
            var segments = log.ListSegments();
            if (segments.Count == 0)
            {
                if (meta.LastTxId > 0)
                {
                    throw new IntegrityException(IntegrityFailure.DataMismatch, $"The log of a database closed at tx {meta.LastTxId} has no segments.");
                }

                locations.Truncate(0);
                log.CreateFirst();
                return 0;
            }

            for (int i = 0; i < segments.Count; i++)
            {
                if (segments[i] != (uint)i + 1)
                {
                    throw new IntegrityException(IntegrityFailure.DataMismatch, $"Log segment {i + 1} is missing ({log.PathOf((uint)i + 1)}).");
                }
            }

            // Resume after the last location that still points at its record; the file is synced lazily.
            ulong known = locations.Count;
            ulong valid = 0;
            LogPosition? resume = null;
            for (ulong k = known; k >= 1 && k + ChainCheckDepth > known; k--)
            {
                if (locations.Get(k) is { } position && log.TryReadRecord(position, k, out _))
                {
                    valid = k;
                    resume = position;
                    break;
                }
            }

            if (valid == 0 && known > 0)
            {
                StorageLog.LocationsRebuilt(logger);
            }

            locations.Truncate(valid);
            uint segment = resume?.Segment ?? 1;
            long offset = resume is { } r ? r.Offset + r.Length : SegmentHeader.Size;
            ulong expected = valid + 1;
            var prefix = new byte[TxRecord.HeaderSize];
            while (true)
            {
                CheckSegmentHeader(log, segment);
                var file = log.File(segment);
                long length = file.Length;
                while (offset + TxRecord.HeaderSize <= length)
                {
                    log.Read(segment, offset, prefix);
                    if (!TxRecord.TryReadPrefix(prefix, out var p) || p.TxId != expected || p.Length > length - offset)
                    {
                        break;
                    }

                    var position = new LogPosition(segment, offset, (int)p.Length);
                    if (!log.TryReadRecord(position, expected, out _))
                    {
                        break;
                    }

                    locations.Add(position);
                    offset += p.Length;
                    expected++;
                }

                // End of this segment's records: only zeros may follow, unless the last write was torn.
                bool laterSegment = segments.Contains(segment + 1);
                if (log.LastNonZero(segment, offset, length) is long lastNonZero)
                {
                    if (FindValidRecord(log, segment, offset + 1, length, expected) is long at)
                    {
                        throw new IntegrityException(
                            IntegrityFailure.DataMismatch,
                            $"{log.PathOf(segment)}: the record at offset {offset} (tx {expected}) does not verify, but a later record at offset {at} does: the log is damaged.");
                    }

                    if (meta.Clean || laterSegment && SegmentHasRecord(log, segment + 1, expected))
                    {
                        throw new IntegrityException(
                            IntegrityFailure.DataMismatch,
                            $"{log.PathOf(segment)}: the record at offset {offset} (tx {expected}) does not verify: the log is damaged.");
                    }

                    StorageLog.TornTailErased(logger, log.PathOf(segment), offset, expected);
                    log.Erase(segment, offset, lastNonZero + 1);
                }

                if (laterSegment && SegmentHasRecord(log, segment + 1, expected))
                {
                    segment++;
                    offset = SegmentHeader.Size;
                    continue;
                }

                // Segments after the last record hold nothing: pre-created or torn during creation.
                foreach (uint extra in segments.Where(s => s > segment))
                {
                    StorageLog.UnusedSegmentRemoved(logger, log.PathOf(extra));
                    log.DeleteSegment(extra);
                }

                break;
            }

            ulong lastTx = expected - 1;
            if (meta.Clean && lastTx != meta.LastTxId)
            {
                throw new IntegrityException(
                    IntegrityFailure.DataMismatch,
                    $"The database was closed cleanly at tx {meta.LastTxId}, but the log ends at tx {lastTx}: acknowledged transactions are missing.");
            }

            locations.Flush();
            log.ResumeAt(segment, offset);
            return lastTx;
        }

        private static void CheckSegmentHeader(SegmentLog log, uint segment)
        {
            Span<byte> header = stackalloc byte[SegmentHeader.Size];
            log.Read(segment, 0, header);
            if (SegmentHeader.Check(header, segment) is { } problem)
            {
                throw new IntegrityException(IntegrityFailure.DataMismatch, $"{log.PathOf(segment)}: {problem}.");
            }
        }

        private static bool SegmentHasRecord(SegmentLog log, uint segment, ulong expected)
        {
            Span<byte> header = stackalloc byte[SegmentHeader.Size];
            if (!log.Read(segment, 0, header) || SegmentHeader.Check(header, segment) is not null)
            {
                return false;
            }

            var prefix = new byte[TxRecord.HeaderSize];
            return log.Read(segment, SegmentHeader.Size, prefix)
                && TxRecord.TryReadPrefix(prefix, out var p)
                && p.TxId == expected
                && log.TryReadRecord(new LogPosition(segment, SegmentHeader.Size, (int)p.Length), expected, out _);
        }

        // Any well-formed record with a tx id at or after the expected one, starting in [from, to).
        private static long? FindValidRecord(SegmentLog log, uint segment, long from, long to, ulong expected)
        {
            Span<byte> magic = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(magic, TxRecord.Magic);
            var chunk = new byte[1 << 20];
            var prefix = new byte[TxRecord.HeaderSize];
            for (long at = from; at < to; at += chunk.Length - 4)
            {
                int length = (int)Math.Min(chunk.Length, to - at);
                log.Read(segment, at, chunk.AsSpan(0, length));
                int start = 0;
                while (true)
                {
                    int hit = chunk.AsSpan(start, length - start).IndexOf(magic);
                    if (hit < 0)
                    {
                        break;
                    }

                    long candidate = at + start + hit;
                    if (log.Read(segment, candidate, prefix)
                        && TxRecord.TryReadPrefix(prefix, out var p)
                        && p.TxId >= expected
                        && p.Length <= to - candidate
                        && log.TryReadRecord(new LogPosition(segment, candidate, (int)p.Length), p.TxId, out _))
                    {
                        return candidate;
                    }

                    start += hit + 1;
                }

                if (length < chunk.Length)
                {
                    break;
                }
            }

            return null;
        }

        private static (TxHeader Header, Digest Alh, LogPosition Position, byte[] Record) ReadRecordAt(SegmentLog log, TxLocationFile locations, ulong txId)
        {
            var position = locations.Get(txId)
                ?? throw new IntegrityException(IntegrityFailure.DataMismatch, $"Tx {txId} has no location after recovery.");
            if (!log.TryReadRecord(position, txId, out var record))
            {
                throw new IntegrityException(IntegrityFailure.DataMismatch, $"{log.PathOf(position.Segment)} offset {position.Offset}: tx {txId} does not match its checksum.");
            }

            var header = TxRecord.ReadHeader(record, out var alh);
            return (header, alh, position, record);
        }

        /// <summary>Cuts the tree file to a whole tree within the log, re-appends missing leaves and re-checks the newest txs.</summary>
        private static AppendOnlyTree RecoverTree(FileTreeNodeStore store, SegmentLog log, TxLocationFile locations, ulong lastTx, ILogger logger)
        {
            var tree = TrimmedTree(store, lastTx);
            if (tree.Size < lastTx)
            {
                StorageLog.TreeExtended(logger, tree.Size, lastTx);
                Extend(tree, log, locations, lastTx);
                store.Flush();
            }

            if (CheckChainTail(tree, log, locations, lastTx, out var problem))
            {
                return tree;
            }

            // The tree file is derived: rebuild it from the log, then the log itself must pass the check.
            StorageLog.TreeRebuilt(logger, problem);
            store.Truncate(0);
            tree = new AppendOnlyTree(store);
            Extend(tree, log, locations, lastTx);
            store.Flush();
            if (!CheckChainTail(tree, log, locations, lastTx, out problem))
            {
                throw new IntegrityException(IntegrityFailure.DataMismatch, problem);
            }

            return tree;
        }

        private static AppendOnlyTree TrimmedTree(FileTreeNodeStore store, ulong lastTx)
        {
            long count = store.Count;
            long leaves = AppendOnlyTree.LeafCountFor(count);
            if (leaves < 0 || (ulong)leaves > lastTx)
            {
                ulong whole = Math.Min(lastTx, (ulong)count / 2 + 1);
                while (AppendOnlyTree.NodeCountFor(whole) > count)
                {
                    whole--;
                }

                store.Truncate(AppendOnlyTree.NodeCountFor(whole));
            }

            return new AppendOnlyTree(store);
        }

        private static void Extend(AppendOnlyTree tree, SegmentLog log, TxLocationFile locations, ulong lastTx)
        {
            for (ulong id = tree.Size + 1; id <= lastTx; id++)
            {
                tree.Append(ReadRecordAt(log, locations, id).Alh);
            }
        }

        private static bool CheckChainTail(AppendOnlyTree tree, SegmentLog log, TxLocationFile locations, ulong lastTx, out string problem)
        {
            problem = string.Empty;
            ulong first = lastTx > ChainCheckDepth ? lastTx - ChainCheckDepth + 1 : 1;
            Digest previous = first == 1 ? Digest.OfEmpty : ReadRecordAt(log, locations, first - 1).Alh;
            for (ulong id = first; id <= lastTx; id++)
            {
                var (header, alh, position, _) = ReadRecordAt(log, locations, id);
                string where = $"{log.PathOf(position.Segment)} offset {position.Offset}, tx {id}";
                if (header.Alh() != alh)
                {
                    problem = $"{where}: the header does not hash to its stored Alh";
                }
                else if (header.PrevAlh != previous)
                {
                    problem = $"{where}: prevAlh does not link to tx {id - 1}";
                }
                else if (header.BlTxId != id - 1 || header.BlRoot != tree.RootAt(id - 1))
                {
                    problem = $"{where}: blRoot is not the root of the tree over txs 1…{id - 1}";
                }
                else if (tree.LeafHash(id) != AppendOnlyTree.LeafFor(alh))
                {
                    problem = $"{where}: the tree's leaf is not this tx's Alh";
                }

                if (problem.Length > 0)
                {
                    return false;
                }

                previous = alh;
            }

            return true;
        }

        private static KeyIndex OpenIndex(string folder, SegmentLog log, TxLocationFile locations, ulong lastTx, ILogger logger)
        {
            KeyIndex index;
            try
            {
                index = KeyIndex.Open(folder);
            }
            catch (IndexDamagedException e)
            {
                StorageLog.IndexDamaged(logger, e);
                KeyIndex.Destroy(folder);
                index = KeyIndex.Open(folder);
            }

            if (index.IndexedTxId > lastTx)
            {
                StorageLog.IndexAhead(logger, index.IndexedTxId, lastTx);
                index.Dispose();
                KeyIndex.Destroy(folder);
                index = KeyIndex.Open(folder);
            }

            ulong from = index.IndexedTxId + 1;
            if (from <= lastTx)
            {
                StorageLog.IndexReplay(logger, from, lastTx);
            }

            var writes = new List<IndexWrite>();
            for (ulong id = from; id <= lastTx; id++)
            {
                var (_, _, position, record) = ReadRecordAt(log, locations, id);
                var entries = TxRecord.ReadEntries(record, withValues: false);
                for (int i = 0; i < entries.Length; i++)
                {
                    var e = entries[i];
                    if (e.Metadata is { NonIndexable: true })
                    {
                        continue;
                    }

                    writes.Add(new IndexWrite(id, e.StoredKey, position.Segment, position.Offset + e.ValueOffsetInRecord, e.ValueLength, i, e.Metadata?.Deleted ?? false, e.Metadata?.ExpiresAt));
                }

                if (writes.Count >= 50_000 || id == lastTx)
                {
                    index.Apply(CollectionsMarshal.AsSpan(writes), id);
                    writes.Clear();
                    if (id % 100_000 < 1_000)
                    {
                        StorageLog.IndexProgress(logger, id, lastTx);
                    }
                }
            }

            return index;
        }
    }
}
