// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage.Format;
using Cairn.Storage.Index;
using Cairn.Verification;
using Cairn.Verification.Encodings;

namespace Cairn.Storage;

public sealed partial class Database
{
    /// <summary>Reads a key: latest, in exactly a tx, or at a revision; references are resolved one level.</summary>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.KeyNotFound"/> and argument errors.</exception>
    public async ValueTask<Entry> GetAsync(byte[] key, GetOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new GetOptions();
        var storedKey = CheckKey(key);
        if (options.AtTx > 0 && options.SinceTx > 0)
        {
            throw StorageException.IllegalArguments("atTx and sinceTx are exclusive");
        }

        if (options.AtTx > 0 && options.AtRevision != 0)
        {
            throw StorageException.IllegalArguments("atTx and atRevision are exclusive");
        }

        await WaitForIndexAsync(options, cancellationToken).ConfigureAwait(false);
        long now = _options.UnixTimeSeconds();
        IndexedVersion? version;
        if (options.AtTx > 0)
        {
            version = _index.GetAtTx(storedKey, options.AtTx);
        }
        else if (options.AtRevision != 0)
        {
            var latest = _index.GetLatest(storedKey);
            long revision = options.AtRevision > 0 ? options.AtRevision : (long)(latest?.Revision ?? 0) + options.AtRevision;
            version = latest is null || revision <= 0 || (ulong)revision > latest.Value.Revision ? null : _index.GetRevision(storedKey, (ulong)revision);
        }
        else
        {
            version = _index.GetLatest(storedKey);
            if (version is { } v && v.IsGoneAt(now))
            {
                version = null;
            }
        }

        // As immudb 1.2+: a deleted or expired version is not found, whether asked for as latest, at a tx or a revision.
        if (version is not { } found || found.IsGoneAt(now))
        {
            throw StorageException.KeyNotFound();
        }

        return ResolveEntry(key, found, now);
    }

    /// <summary>Reads several keys; fails on the first missing one (immudb's GetAll).</summary>
    public async ValueTask<IReadOnlyList<Entry>> GetAllAsync(IReadOnlyList<byte[]> keys, ulong sinceTx = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var entries = new List<Entry>(keys.Count);
        foreach (var key in keys)
        {
            entries.Add(await GetAsync(key, new GetOptions { SinceTx = sinceTx }, cancellationToken).ConfigureAwait(false));
        }

        return entries;
    }

    /// <summary>Every version of a key (references not resolved), oldest first unless descending.</summary>
    public async ValueTask<IReadOnlyList<Entry>> HistoryAsync(byte[] key, HistoryOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new HistoryOptions();
        var storedKey = CheckKey(key);
        int limit = CheckLimit(options.Limit);
        await WaitForIndexAsync(options, cancellationToken).ConfigureAwait(false);
        var latest = _index.GetLatest(storedKey) ?? throw StorageException.KeyNotFound();
        ulong count = latest.Revision;
        if (options.Offset == count)
        {
            throw new StorageException(StorageErrorCode.NoMoreEntries, "no more entries");
        }

        if (options.Offset > count)
        {
            return [];
        }

        long now = _options.UnixTimeSeconds();
        ulong from = options.Desc ? count - options.Offset : options.Offset + 1;
        var entries = new List<Entry>();
        foreach (var version in _index.History(storedKey, latest, from, options.Desc))
        {
            var stored = ReadStoredValue(version);
            entries.Add(new Entry(version.TxId, key, stored[1..], version.Revision, MetadataOf(version), null, version.ExpiresAt is long at && at <= now));
            if (entries.Count == limit)
            {
                break;
            }
        }

        return entries;
    }

    /// <summary>Latest live values of the key-value space in key order, references resolved.</summary>
    public async ValueTask<IReadOnlyList<Entry>> ScanAsync(ScanOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ScanOptions();
        int limit = CheckLimit(options.Limit);
        await WaitForIndexAsync(options, cancellationToken).ConfigureAwait(false);
        long now = _options.UnixTimeSeconds();
        var entries = new List<Entry>();
        ulong skip = options.Offset;
        foreach (var (storedKey, version) in ScanKeyValueSpace(options))
        {
            if (version.IsGoneAt(now))
            {
                continue;
            }

            Entry entry;
            try
            {
                entry = ResolveEntry(storedKey[1..], version, now);
            }
            catch (StorageException e) when (e.Code == StorageErrorCode.KeyNotFound)
            {
                continue; // a reference whose target is gone
            }

            if (skip > 0)
            {
                skip--;
                continue;
            }

            entries.Add(entry);
            if (entries.Count == limit)
            {
                break;
            }
        }

        return entries;
    }

    /// <summary>How many live keys start with <paramref name="prefix"/>.</summary>
    public async ValueTask<ulong> CountAsync(byte[] prefix, IndexWait? wait = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        await WaitForIndexAsync(wait ?? new ScanOptions(), cancellationToken).ConfigureAwait(false);
        long now = _options.UnixTimeSeconds();
        ulong count = 0;
        foreach (var (_, version) in ScanKeyValueSpace(new ScanOptions { Prefix = prefix }))
        {
            if (!version.IsGoneAt(now))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Members of a sorted set in (score, key, atTx) order, each with its value at atTx (latest if 0).</summary>
    public async ValueTask<IReadOnlyList<ZEntry>> ZScanAsync(byte[] set, ZScanOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ZScanOptions();
        if (set is null || set.Length == 0)
        {
            throw StorageException.IllegalArguments("empty set");
        }

        int limit = CheckLimit(options.Limit);
        await WaitForIndexAsync(options, cancellationToken).ConfigureAwait(false);
        long now = _options.UnixTimeSeconds();
        var setPrefix = SortedSetEncoding.SetPrefix(set);
        var setEnd = Successor(setPrefix);
        byte[] lower = setPrefix, upper = setEnd;
        if (options.SeekKey is { Length: > 0 } seekKey)
        {
            var seek = SortedSetEncoding.StoredKey(set, options.SeekScore, seekKey, options.SeekAtTx);
            if (options.Desc)
            {
                upper = options.InclusiveSeek ? [.. seek, 0] : seek;
            }
            else
            {
                lower = options.InclusiveSeek ? seek : [.. seek, 0];
            }
        }

        var members = new List<ZEntry>();
        ulong skip = options.Offset;
        foreach (var (storedKey, version) in _index.Scan(lower, upper, options.Desc))
        {
            if (version.IsGoneAt(now) || !SortedSetEncoding.TryParse(storedKey, out var member))
            {
                continue;
            }

            if ((options.MinScore is double min && member.Score < min) || (options.MaxScore is double max && member.Score > max))
            {
                continue;
            }

            var target = member.AtTx > 0
                ? _index.GetAtTx(KeyValueEncoding.StoredKey(member.Key), member.AtTx)
                : _index.GetLatest(KeyValueEncoding.StoredKey(member.Key));
            if (target is not { } t || t.IsGoneAt(now))
            {
                continue; // as a get of the member at atTx: deleted or expired versions are not found
            }

            Entry entry;
            try
            {
                // The member's key may have become a reference since it was added: resolve it like a get.
                entry = ResolveEntry(member.Key, t, now);
            }
            catch (StorageException e) when (e.Code == StorageErrorCode.KeyNotFound)
            {
                continue;
            }

            if (skip > 0)
            {
                skip--;
                continue;
            }

            members.Add(new ZEntry(member.Set, member.Key, entry, member.Score, member.AtTx));
            if (members.Count == limit)
            {
                break;
            }
        }

        return members;
    }

    /// <summary>Transaction <paramref name="txId"/> with every entry (stored keys, value hashes; values when asked).</summary>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.TxNotFound"/> or illegal arguments for tx 0.</exception>
    public CommittedTx ReadTx(ulong txId, bool withValues = false)
    {
        if (txId == 0)
        {
            throw StorageException.IllegalArguments("tx 0 does not exist");
        }

        if (txId > LastTxId)
        {
            throw new StorageException(StorageErrorCode.TxNotFound, "tx not found");
        }

        var record = ReadRecord(txId);
        var header = TxRecord.ReadHeader(record, out var alh);
        var entries = TxRecord.ReadEntries(record, withValues);
        return new CommittedTx(header, alh, [.. entries.Select(e => new TxEntryRecord(e.StoredKey, e.ValueHash, e.ValueLength, e.Metadata, e.Value))]);
    }

    /// <summary>Up to <paramref name="limit"/> transactions from <paramref name="initialTxId"/> up (or down).</summary>
    public IReadOnlyList<CommittedTx> TxScan(ulong initialTxId, int limit = 0, bool desc = false, bool withValues = false)
    {
        if (initialTxId == 0)
        {
            throw StorageException.IllegalArguments("initial tx must be at least 1");
        }

        limit = CheckLimit(limit);
        var txs = new List<CommittedTx>();
        ulong last = LastTxId;
        for (ulong id = initialTxId; id >= 1 && id <= last && txs.Count < limit; id = desc ? id - 1 : id + 1)
        {
            txs.Add(ReadTx(id, withValues));
        }

        return txs;
    }

    /// <summary>The header of committed tx <paramref name="txId"/>.</summary>
    public TxHeader ReadHeader(ulong txId)
    {
        if (txId == 0 || txId > LastTxId)
        {
            throw new StorageException(StorageErrorCode.TxNotFound, "tx not found");
        }

        var position = _locations.Get(txId) ?? throw Damaged(txId, "its location is missing");
        var prefix = new byte[Math.Min(position.Length, TxRecord.MaxHeaderSize)];
        if (!_log.Read(position.Segment, position.Offset, prefix)
            || !TxRecord.TryReadPrefix(prefix, out var p)
            || p.TxId != txId
            || TxRecord.HeaderSize + p.TxMetadataLength > prefix.Length)
        {
            throw Damaged(txId, "its record header is unreadable");
        }

        return TxRecord.ReadHeader(prefix, out _);
    }

    internal byte[] ReadStoredValue(IndexedVersion version)
    {
        var value = new byte[version.ValueLength];
        if (!_log.Read(version.Segment, version.ValueOffset, value))
        {
            throw new IntegrityException(IntegrityFailure.DataMismatch, $"The value of tx {version.TxId} lies beyond the end of segment {version.Segment}: the index is damaged.");
        }

        return value;
    }

    private byte[] ReadRecord(ulong txId)
    {
        var position = _locations.Get(txId) ?? throw Damaged(txId, "its location is missing");
        if (!_log.TryReadRecord(position, txId, out var record))
        {
            throw Damaged(txId, $"the record at {_log.PathOf(position.Segment)} offset {position.Offset} does not match its checksum");
        }

        return record;
    }

    private static IntegrityException Damaged(ulong txId, string why) =>
        new(IntegrityFailure.DataMismatch, $"Tx {txId} cannot be read: {why}.");

    private Entry ResolveEntry(byte[] userKey, IndexedVersion version, long now)
    {
        var stored = ReadStoredValue(version);
        if (stored.Length == 0 || stored[0] != KeyValueEncoding.ReferenceValuePrefix)
        {
            return new Entry(version.TxId, userKey, stored.Length == 0 ? [] : stored[1..], version.Revision, MetadataOf(version), null);
        }

        if (!KeyValueEncoding.TryParseReference(stored, out ulong atTx, out var referencedKeySpan))
        {
            throw new IntegrityException(IntegrityFailure.DataMismatch, $"The reference written in tx {version.TxId} is malformed.");
        }

        var referencedKey = referencedKeySpan.ToArray();
        var storedTarget = KeyValueEncoding.StoredKey(referencedKey);
        var target = atTx > 0 ? _index.GetAtTx(storedTarget, atTx) : _index.GetLatest(storedTarget);
        if (target is not { } t || t.Deleted || (atTx == 0 && t.IsGoneAt(now)))
        {
            throw StorageException.KeyNotFound();
        }

        var targetValue = ReadStoredValue(t);
        if (targetValue.Length > 0 && targetValue[0] == KeyValueEncoding.ReferenceValuePrefix)
        {
            throw new StorageException(StorageErrorCode.MaxKeyResolutionLimitReached, "max key resolution limit reached. It may be due to cyclic references");
        }

        var referencedBy = new EntryReference(version.TxId, userKey, atTx, version.Revision, MetadataOf(version));
        return new Entry(t.TxId, referencedKey, targetValue.Length == 0 ? [] : targetValue[1..], t.Revision, MetadataOf(t), referencedBy);
    }

    private IEnumerable<(byte[] StoredKey, IndexedVersion Latest)> ScanKeyValueSpace(ScanOptions options)
    {
        var prefix = KeyValueEncoding.StoredKey(options.Prefix ?? []);
        var prefixEnd = Successor(prefix);
        byte[] lower = prefix, upper = prefixEnd;
        if (options.SeekKey is { Length: > 0 } seekKey)
        {
            var seek = KeyValueEncoding.StoredKey(seekKey);
            if (options.Desc)
            {
                upper = Min(upper, options.InclusiveSeek ? [.. seek, 0] : seek);
            }
            else
            {
                lower = Max(lower, options.InclusiveSeek ? seek : [.. seek, 0]);
            }
        }

        if (options.EndKey is { Length: > 0 } endKey)
        {
            var end = KeyValueEncoding.StoredKey(endKey);
            if (options.Desc)
            {
                lower = Max(lower, options.InclusiveEnd ? end : [.. end, 0]);
            }
            else
            {
                upper = Min(upper, options.InclusiveEnd ? [.. end, 0] : end);
            }
        }

        return lower.AsSpan().SequenceCompareTo(upper) >= 0 ? [] : _index.Scan(lower, upper, options.Desc);
    }

    private static byte[] Min(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b) <= 0 ? a : b;

    private static byte[] Max(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b) >= 0 ? a : b;

    // The smallest byte string greater than every string starting with prefix (prefixes here never are all 0xFF).
    private static byte[] Successor(byte[] prefix)
    {
        var next = prefix.ToArray();
        for (int i = next.Length - 1; i >= 0; i--)
        {
            if (next[i] != 0xFF)
            {
                next[i]++;
                return next[..(i + 1)];
            }
        }

        return [.. prefix, 0xFF];
    }

    private static KvMetadata? MetadataOf(IndexedVersion version) =>
        version.Deleted || version.ExpiresAt is not null ? new KvMetadata { Deleted = version.Deleted, ExpiresAt = version.ExpiresAt } : null;

    private int CheckLimit(int limit)
    {
        if (limit < 0)
        {
            throw StorageException.IllegalArguments("negative limit");
        }

        if (limit > _options.MaxScanLimit)
        {
            throw new StorageException(StorageErrorCode.MaxScanLimitExceeded, "max key scan limit exceeded");
        }

        return limit == 0 ? _options.MaxScanLimit : limit;
    }

    private Task WaitForIndexAsync(IndexWait wait, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        ulong last = LastTxId;
        if (wait.SinceTx > last)
        {
            throw StorageException.IllegalArguments($"sinceTx {wait.SinceTx} must not be greater than the current transaction id {last}");
        }

        ulong target = wait.SinceTx > 0 ? wait.SinceTx : wait.NoWait ? 0 : last;
        return target == 0 ? Task.CompletedTask : _watermark.WaitAsync(target, _options.IndexWaitTimeout, cancellationToken);
    }
}
