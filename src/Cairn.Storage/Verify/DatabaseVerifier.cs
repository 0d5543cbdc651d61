// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using System.Globalization;
using Cairn.Storage.Devices;
using Cairn.Storage.Format;
using Cairn.Storage.Index;
using Cairn.Storage.Log;
using Cairn.Storage.Tree;
using Cairn.Verification;
using RocksDbSharp;

namespace Cairn.Storage.Verify;

/// <summary>
/// Walks a whole database folder without changing it: recomputes every value hash, entry digest, entries tree,
/// inner hash, Alh and link, and the tree over all Alhs, and compares the derived files (locations, tree, index)
/// with what the log says. It streams the log, so memory stays constant on any size. Use it on a closed database.
/// </summary>
public static class DatabaseVerifier
{
    private const int ProgressEvery = 1000;

    /// <summary>Verifies the database in <paramref name="folder"/>.</summary>
    public static VerifyReport Verify(string folder, IProgress<VerifyProgress>? progress = null, bool checkIndex = true, IStorageDevice? device = null, CancellationToken cancellationToken = default)
    {
        device ??= FileStorageDevice.Instance;
        folder = Path.GetFullPath(folder);
        var report = new VerifyReport();
        Meta? meta = null;
        string metaPath = Path.Combine(folder, Meta.FileName);
        try
        {
            meta = Meta.Read(device, folder);
            if (meta is null)
            {
                report.Problems.Add(new VerifyProblem(metaPath, 0, 0, "no Cairn database here (cairn.meta is missing)", Rebuildable: false));
                return report;
            }
        }
        catch (IntegrityException e)
        {
            report.Problems.Add(new VerifyProblem(metaPath, 0, 0, e.Message, Rebuildable: false));
        }

        ulong indexedTxId = checkIndex ? ReadIndexedTxId(folder) : 0;
        using var walk = new LogWalk(device, folder, meta, report, indexedTxId, progress, cancellationToken);
        walk.Run();
        if (checkIndex && report.FirstLogProblem is null)
        {
            CheckIndex(device, folder, walk, report, cancellationToken);
        }

        return report;
    }

    // The last tx the index claims, read first so that the log walk can count the entries it should hold.
    private static ulong ReadIndexedTxId(string folder)
    {
        string indexFolder = Path.Combine(folder, "index");
        if (!Directory.Exists(indexFolder))
        {
            return 0;
        }

        try
        {
            using var db = RocksDb.OpenReadOnly(new DbOptions(), indexFolder, false);
            var stored = db.Get(KeyIndex.IndexedTxKey);
            return stored is { Length: 8 } ? BinaryPrimitives.ReadUInt64BigEndian(stored) : 0;
        }
        catch (RocksDbException)
        {
            return 0; // the index check below reports the damage
        }
    }

    private static void CheckIndex(IStorageDevice device, string folder, LogWalk walk, VerifyReport report, CancellationToken cancellationToken)
    {
        string indexFolder = Path.Combine(folder, "index");
        if (!Directory.Exists(indexFolder))
        {
            report.Problems.Add(new VerifyProblem(indexFolder, 0, 0, "the key index is missing", Rebuildable: true));
            return;
        }

        if (walk.LocationsDamaged)
        {
            return; // index entries are checked through the locations file, which is reported already
        }

        try
        {
            using var db = RocksDb.OpenReadOnly(new DbOptions().SetParanoidChecks(true), indexFolder, false);
            using var iterator = db.NewIterator(null, new ReadOptions().SetVerifyChecksums(true));
            using var locations = device.Open(Path.Combine(folder, "tx.loc"), create: false);
            var log = new SegmentLog(device, Path.Combine(folder, "log"), 0);
            try
            {
                ulong indexed = 0;
                ulong versions = 0;
                for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var key = iterator.Key();
                    var value = iterator.Value();
                    switch (key[0])
                    {
                        case KeyIndex.MetaTable:
                            indexed = value.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(value) : ulong.MaxValue;
                            break;
                        case KeyIndex.LatestTable:
                            var latest = IndexedVersion.Decode(value);
                            CheckVersion(log, locations, key[1..], latest, walk.LastTxId);
                            if (latest.Revision == 1)
                            {
                                versions++; // a key with one version has no history row
                            }
                            else if (db.Get(KeyIndex.VersionKey(key.AsSpan(1), latest.Revision)) is not { } history || !history.AsSpan().SequenceEqual(value))
                            {
                                throw new FormatException($"the latest row of a key (revision {latest.Revision}) has no matching history row");
                            }

                            break;
                        case KeyIndex.HistoryTable:
                            int length = BinaryPrimitives.ReadUInt16BigEndian(key.AsSpan(1));
                            if (key.Length != 3 + length + 8)
                            {
                                throw new FormatException("history key has the wrong length");
                            }

                            var version = IndexedVersion.Decode(value);
                            if (version.Revision != BinaryPrimitives.ReadUInt64BigEndian(key.AsSpan(3 + length)))
                            {
                                throw new FormatException("history key and entry disagree on the revision");
                            }

                            CheckVersion(log, locations, key[3..(3 + length)], version, walk.LastTxId);
                            versions++;
                            break;
                        default:
                            throw new FormatException($"unknown index table 0x{key[0]:x2}");
                    }

                    report.IndexEntries++;
                }

                if (indexed > walk.LastTxId)
                {
                    throw new FormatException($"the index claims tx {indexed}, beyond the log's last tx {walk.LastTxId}");
                }

                ulong expected = walk.IndexableEntries;
                if (versions != expected)
                {
                    throw new FormatException($"the index holds {versions} versions, but the log has {expected} indexable entries up to tx {indexed}");
                }
            }
            finally
            {
                log.Dispose();
            }
        }
        catch (Exception e) when (e is RocksDbException or FormatException or IOException or IntegrityException or ArgumentException)
        {
            report.Problems.Add(new VerifyProblem(indexFolder, 0, 0, $"the key index is damaged: {e.Message}", Rebuildable: true));
        }
    }

    // An index entry must point at the entry of its tx that has its key, value position and metadata.
    private static void CheckVersion(SegmentLog log, IStorageFile locations, byte[] storedKey, IndexedVersion version, ulong lastTxId)
    {
        if (version.TxId == 0 || version.TxId > lastTxId)
        {
            throw new FormatException($"an index entry names tx {version.TxId}, which is not in the log");
        }

        Span<byte> slot = stackalloc byte[TxLocationFile.EntrySize];
        locations.Read((long)(version.TxId - 1) * TxLocationFile.EntrySize, slot);
        var position = TxLocationFile.Decode(slot);
        var record = new byte[position.Length];
        log.Read(position.Segment, position.Offset, record);
        var entries = TxRecord.ReadEntries(record, withValues: false);
        if (version.EntryIndex < 0 || version.EntryIndex >= entries.Length)
        {
            throw new FormatException($"an index entry names entry {version.EntryIndex} of tx {version.TxId}, which has {entries.Length}");
        }

        var entry = entries[version.EntryIndex];
        if (!entry.StoredKey.AsSpan().SequenceEqual(storedKey)
            || version.Segment != position.Segment
            || version.ValueOffset != position.Offset + entry.ValueOffsetInRecord
            || version.ValueLength != entry.ValueLength
            || version.Deleted != (entry.Metadata?.Deleted ?? false)
            || version.ExpiresAt != entry.Metadata?.ExpiresAt)
        {
            throw new FormatException($"an index entry of tx {version.TxId} does not match the log");
        }
    }

    /// <summary>The streaming pass over the log and the files derived from it.</summary>
    private sealed class LogWalk : IDisposable
    {
        private readonly string _folder;
        private readonly Meta? _meta;
        private readonly VerifyReport _report;
        private readonly IProgress<VerifyProgress>? _progress;
        private readonly CancellationToken _cancellationToken;
        private readonly SegmentLog _log;
        private readonly IStorageFile? _tree;
        private readonly IStorageFile? _locations;
        private readonly LastAppendNodeStore _appended = new();
        private readonly AppendOnlyTree _recomputed;
        private readonly ulong _indexedTxId;
        private bool _treeDamaged;

        public LogWalk(IStorageDevice device, string folder, Meta? meta, VerifyReport report, ulong indexedTxId, IProgress<VerifyProgress>? progress, CancellationToken cancellationToken)
        {
            _folder = folder;
            _recomputed = new AppendOnlyTree(_appended);
            _indexedTxId = indexedTxId;
            _meta = meta;
            _report = report;
            _progress = progress;
            _cancellationToken = cancellationToken;
            _log = new SegmentLog(device, Path.Combine(folder, "log"), 0);
            string treePath = Path.Combine(folder, "tree.aht");
            string locationsPath = Path.Combine(folder, "tx.loc");
            _tree = device.Exists(treePath) ? device.Open(treePath, create: false) : null;
            _locations = device.Exists(locationsPath) ? device.Open(locationsPath, create: false) : null;
        }

        public ulong LastTxId { get; private set; }

        public bool LocationsDamaged { get; private set; }

        /// <summary>Entries the index should hold: those not marked non-indexable in txs up to the index's last tx.</summary>
        public ulong IndexableEntries { get; private set; }

        public void Run()
        {
            ulong expected = 1;
            var previousAlh = Digest.OfEmpty;
            var segments = _log.ListSegments();
            var prefix = new byte[TxRecord.HeaderSize];
            var header = new byte[SegmentHeader.Size];
            for (int s = 0; s < segments.Count; s++)
            {
                uint segment = segments[s];
                string path = _log.PathOf(segment);
                if (segment != (uint)s + 1)
                {
                    Fail(_log.PathOf((uint)s + 1), 0, expected, "log segment is missing");
                    return;
                }

                _log.Read(segment, 0, header);
                if (SegmentHeader.Check(header, segment) is { } problem)
                {
                    Fail(path, 0, expected, problem);
                    return;
                }

                long length = _log.File(segment).Length;
                long offset = SegmentHeader.Size;
                while (offset + TxRecord.HeaderSize <= length)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    _log.Read(segment, offset, prefix);
                    if (prefix.AsSpan(0, 8).IndexOfAnyExcept((byte)0) < 0)
                    {
                        break;
                    }

                    if (!TxRecord.TryReadPrefix(prefix, out var p) || p.TxId != expected || p.Length > length - offset)
                    {
                        Fail(path, offset, expected, "the record header is damaged (magic, tx id or length)");
                        return;
                    }

                    var record = new byte[p.Length];
                    _log.Read(segment, offset, record);
                    if (!TxRecord.ChecksumMatches(record))
                    {
                        Fail(path, offset, expected, "the record does not match its checksum");
                        return;
                    }

                    if (!CheckRecord(record, new LogPosition(segment, offset, (int)p.Length), ref previousAlh))
                    {
                        return;
                    }

                    offset += p.Length;
                    expected++;
                }

                // After the last record of a segment only zeros may follow.
                if (_log.LastNonZero(segment, offset, length) is long garbage)
                {
                    bool lastSegment = s == segments.Count - 1 || !HasRecords(segments[s + 1]);
                    if (!lastSegment || _meta is { Clean: true })
                    {
                        Fail(path, offset, expected, $"unexpected bytes up to offset {garbage} after the last record");
                        return;
                    }
                }
            }

            LastTxId = expected - 1;
            _report.LastAlh = previousAlh;
            if (_meta is { Clean: true } && (_meta.LastTxId != LastTxId || _meta.LastAlh != previousAlh))
            {
                Fail(Path.Combine(_folder, Meta.FileName), 0, LastTxId, $"the database was closed at tx {_meta.LastTxId}, but the log ends at tx {LastTxId} or with another Alh");
                return;
            }

            CheckDerivedSizes();
        }

        public void Dispose()
        {
            _tree?.Dispose();
            _locations?.Dispose();
            _log.Dispose();
        }

        private bool CheckRecord(byte[] record, LogPosition position, ref Digest previousAlh)
        {
            string path = _log.PathOf(position.Segment);
            ulong txId = _recomputed.Size + 1;
            TxHeader header;
            Digest storedAlh;
            StoredEntry[] entries;
            try
            {
                header = TxRecord.ReadHeader(record, out storedAlh);
                entries = TxRecord.ReadEntries(record, withValues: true);
            }
            catch (FormatException e)
            {
                Fail(path, position.Offset, txId, $"the record is malformed: {e.Message}");
                return false;
            }

            var digests = new Digest[entries.Length];
            for (int i = 0; i < entries.Length; i++)
            {
                var e = entries[i];
                if (Digest.Compute(e.Value) != e.ValueHash)
                {
                    Fail(path, position.Offset + e.ValueOffsetInRecord, txId, $"entry {i}: the value does not hash to its recorded value hash");
                    return false;
                }

                if (header.Version == TxHeader.Version0 && e.Metadata is not null)
                {
                    Fail(path, position.Offset, txId, $"entry {i} carries metadata in a version 0 transaction");
                    return false;
                }

                digests[i] = EntryDigest.For(header.Version, e.Metadata, e.StoredKey, e.ValueHash);
                if (e.Metadata is not { NonIndexable: true } && txId <= _indexedTxId)
                {
                    IndexableEntries++;
                }
            }

            string? problem = null;
            if (entries.Length == 0 || TxMerkleTree.ComputeRoot(digests) != header.EntriesHash)
            {
                problem = "the entries do not hash to the header's eH";
            }
            else if (header.Alh() != storedAlh)
            {
                problem = "the header does not hash to its recorded Alh";
            }
            else if (header.PrevAlh != previousAlh)
            {
                problem = $"prevAlh does not link to tx {txId - 1}";
            }
            else if (header.BlTxId != txId - 1 || header.BlRoot != _recomputed.Root)
            {
                problem = $"blRoot is not the root of the tree over txs 1…{txId - 1}";
            }

            if (problem is not null)
            {
                Fail(path, position.Offset, txId, problem);
                return false;
            }

            _recomputed.Append(storedAlh);
            CheckTreeNodes(txId);
            CheckLocation(txId, position);
            previousAlh = storedAlh;
            _report.Transactions++;
            _report.Entries += (ulong)entries.Length;
            _report.Bytes += position.Length;
            if (txId % ProgressEvery == 0)
            {
                _progress?.Report(new VerifyProgress(txId, _report.Entries, _report.Bytes));
            }

            return true;
        }

        private void CheckTreeNodes(ulong txId)
        {
            if (_tree is null || _treeDamaged)
            {
                return;
            }

            long first = AppendOnlyTree.NodeCountFor(txId - 1);
            Span<byte> node = stackalloc byte[Digest.Size];
            var written = _appended.LastAppended;
            for (int k = 0; k < written.Count; k++)
            {
                long at = (first + k) * Digest.Size;
                if (at + Digest.Size > _tree.Length)
                {
                    return; // the tree file is synced lazily; a short one is completed on open
                }

                _tree.Read(at, node);
                if (new Digest(node) != written[k])
                {
                    _treeDamaged = true;
                    _report.Problems.Add(new VerifyProblem(_tree.Path, at, txId, $"tree node {first + k} does not match the log", Rebuildable: true));
                    return;
                }
            }
        }

        private void CheckLocation(ulong txId, LogPosition position)
        {
            if (_locations is null || LocationsDamaged)
            {
                return;
            }

            long at = (long)(txId - 1) * TxLocationFile.EntrySize;
            if (at + TxLocationFile.EntrySize > _locations.Length)
            {
                return;
            }

            Span<byte> slot = stackalloc byte[TxLocationFile.EntrySize];
            _locations.Read(at, slot);
            if (TxLocationFile.Decode(slot) != position)
            {
                LocationsDamaged = true;
                _report.Problems.Add(new VerifyProblem(_locations.Path, at, txId, "the location of this tx does not match the log", Rebuildable: true));
            }
        }

        private void CheckDerivedSizes()
        {
            long treeNodes = AppendOnlyTree.NodeCountFor(LastTxId);
            if (_tree is not null && !_treeDamaged && _tree.Length > treeNodes * Digest.Size)
            {
                _report.Problems.Add(new VerifyProblem(_tree.Path, treeNodes * Digest.Size, LastTxId, "the tree file holds nodes beyond the log", Rebuildable: true));
            }

            long locations = (long)LastTxId * TxLocationFile.EntrySize;
            if (_locations is not null && !LocationsDamaged && _locations.Length > locations)
            {
                LocationsDamaged = true;
                _report.Problems.Add(new VerifyProblem(_locations.Path, locations, LastTxId, "the locations file names txs beyond the log", Rebuildable: true));
            }

            if (_meta is { Clean: true })
            {
                if (_tree is null || (!_treeDamaged && _tree.Length != treeNodes * Digest.Size))
                {
                    _report.Problems.Add(new VerifyProblem(Path.Combine(_folder, "tree.aht"), 0, LastTxId, "the tree file of a cleanly closed database is incomplete", Rebuildable: true));
                }

                if (_locations is null || (!LocationsDamaged && _locations.Length != locations))
                {
                    LocationsDamaged = true;
                    _report.Problems.Add(new VerifyProblem(Path.Combine(_folder, "tx.loc"), 0, LastTxId, "the locations file of a cleanly closed database is incomplete", Rebuildable: true));
                }
            }
        }

        private bool HasRecords(uint segment)
        {
            var prefix = new byte[8];
            return _log.Read(segment, SegmentHeader.Size, prefix) && prefix.AsSpan().IndexOfAnyExcept((byte)0) >= 0;
        }

        private void Fail(string file, long offset, ulong txId, string message) =>
            _report.Problems.Insert(0, new VerifyProblem(file, offset, txId, message, Rebuildable: false));
    }

    /// <summary>A one-line, human-readable form of a problem.</summary>
    public static string Describe(VerifyProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return string.Create(CultureInfo.InvariantCulture, $"{problem.File} offset {problem.Offset}{(problem.TxId > 0 ? $", tx {problem.TxId}" : string.Empty)}: {problem.Message}{(problem.Rebuildable ? " (derived file: rebuilt on open)" : string.Empty)}");
    }
}
