// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers.Binary;
using System.Text;
using Cairn.Verification;

namespace Cairn.Storage.Tests.Model;

/// <summary>The model refuses an operation the way the engine must: with this code.</summary>
internal sealed class ModelRejection : Exception
{
    public ModelRejection(StorageErrorCode code)
        : base($"model refuses: {code}")
    {
        Code = code;
    }

    public StorageErrorCode Code { get; }
}

/// <summary>What a version of a key holds.</summary>
internal enum VersionKind
{
    Plain,
    Reference,
    Deleted,
}

/// <summary>One version of a key of the key-value space.</summary>
internal sealed record ModelVersion(ulong TxId, ulong Revision, VersionKind Kind, byte[] Value, string Target, ulong AtTx, long? ExpiresAt)
{
    /// <summary>Deleted, or expired at <paramref name="now"/> (expiresAt ≤ now).</summary>
    public bool IsGoneAt(long now) => Kind == VersionKind.Deleted || (ExpiresAt is long at && at <= now);

    /// <summary>The metadata reads report: null unless deleted or expiring.</summary>
    public KvMetadata? Metadata =>
        Kind == VersionKind.Deleted ? new KvMetadata { Deleted = true }
        : ExpiresAt is long at ? new KvMetadata { ExpiresAt = at }
        : null;
}

/// <summary>A member of a sorted set: one distinct (score, key, atTx).</summary>
internal sealed record ModelMember(double Score, string Key, ulong AtTx);

/// <summary>One entry of a committed transaction as stored (key-space byte and value prefix included).</summary>
internal sealed record ModelTxEntry(byte[] StoredKey, byte[] StoredValue, KvMetadata? Metadata);

/// <summary>A committed transaction.</summary>
internal sealed record ModelTx(ulong Id, long Timestamp, int Version, IReadOnlyList<ModelTxEntry> Entries);

/// <summary>
/// A deliberately simple in-memory model of the storage engine, written from immudb-format.md §1.1 and §5 (immudb 1.1
/// semantics, plus the later features the engine has: deletes, expirations, preconditions, revisions). Plain lists
/// and dictionaries, linear searches, no indexes. Keys are held as Latin-1 strings so that ordinal string order is
/// byte order. Every method either returns what the engine must return or throws <see cref="ModelRejection"/>.
/// </summary>
/// <remarks>
/// Where §5 is silent the model follows the engine: deleting a gone key is "key not found"; atTx and atRevision reads
/// return "key not found" for expired versions, as immudb 1.2+; a deleted or expired plain key may become a
/// reference; Count counts references whose target is gone (Scan skips them); ZScan skips members whose key is gone;
/// boundRef with atTx 0 needs the target set earlier in the same request; a delete stores the value 0x00; error
/// precedence is request checks, then preconditions, then operations in order.
/// </remarks>
internal sealed class StorageModel
{
    /// <summary>Default and maximum number of results of a scan, history or tx scan (immudb 1.1: 1000).</summary>
    public const int MaxScanLimit = 1000;

    private readonly List<ModelTx> _txs = [];
    private readonly Dictionary<string, List<ModelVersion>> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ModelMember>> _sets = new(StringComparer.Ordinal);

    /// <summary>A new database: tx 1 is the SQL engine's catalog entry (§1.1, immudb 1.0–1.4).</summary>
    public StorageModel(long createdAt)
    {
        byte[] catalogKey = [0x02, .. Encoding.ASCII.GetBytes("CTL.DATABASE."), 0, 0, 0, 1];
        _txs.Add(new ModelTx(1, createdAt, TxHeader.Version0, [new ModelTxEntry(catalogKey, Encoding.ASCII.GetBytes("dbinstance"), null)]));
    }

    public ulong LastTxId => (ulong)_txs.Count;

    public static string K(byte[] key) => Encoding.Latin1.GetString(key);

    public static byte[] B(string key) => Encoding.Latin1.GetBytes(key);

    /// <summary>Every version of <paramref name="key"/>, oldest first (empty when never written).</summary>
    public IReadOnlyList<ModelVersion> VersionsOf(string key) => _keys.TryGetValue(key, out var versions) ? versions : [];

    // ---------------------------------------------------------------- writes (§5.3)

    /// <summary>SetReference: boundRef must equal atTx &gt; 0, then as one ExecAll reference op.</summary>
    public ModelTx SetReference(Operation.Reference reference, IReadOnlyList<Precondition> preconditions, long now)
    {
        if (reference.BoundRef != reference.AtTx > 0)
        {
            throw new ModelRejection(StorageErrorCode.IllegalArguments);
        }

        return ExecAll([reference], preconditions, now);
    }

    /// <summary>ZAdd: boundRef must equal atTx &gt; 0, then as one ExecAll zadd op.</summary>
    public ModelTx ZAdd(Operation.ZAdd zadd, long now)
    {
        if (zadd.BoundRef != zadd.AtTx > 0)
        {
            throw new ModelRejection(StorageErrorCode.IllegalArguments);
        }

        return ExecAll([zadd], [], now);
    }

    /// <summary>Set, Delete and ExecAll: all operations commit atomically as one tx, or none does.</summary>
    public ModelTx ExecAll(IReadOnlyList<Operation> operations, IReadOnlyList<Precondition> preconditions, long now)
    {
        // 1. Checks of the request alone.
        if (operations.Count == 0)
        {
            throw new ModelRejection(StorageErrorCode.IllegalArguments);
        }

        var kvKeys = new HashSet<string>(StringComparer.Ordinal);
        var zaddKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in operations)
        {
            switch (op)
            {
                case Operation.Put put:
                    RequireKey(put.Entry.Key);
                    if (put.Entry.Metadata is { Deleted: true })
                    {
                        throw new ModelRejection(StorageErrorCode.IllegalArguments);
                    }

                    RequireNew(kvKeys, K(put.Entry.Key));
                    break;
                case Operation.Delete delete:
                    RequireKey(delete.Key);
                    RequireNew(kvKeys, K(delete.Key));
                    break;
                case Operation.Reference reference:
                    RequireKey(reference.Key);
                    RequireKey(reference.ReferencedKey);
                    if (reference.AtTx > 0 && !reference.BoundRef)
                    {
                        throw new ModelRejection(StorageErrorCode.IllegalArguments);
                    }

                    RequireNew(kvKeys, K(reference.Key));
                    break;
                case Operation.ZAdd zadd:
                    RequireKey(zadd.Key);
                    RequireKey(zadd.SortedSet);
                    if (zadd.AtTx > 0 && !zadd.BoundRef)
                    {
                        throw new ModelRejection(StorageErrorCode.IllegalArguments);
                    }

                    // §5.3 ExecAll: "rejects … duplicated (set,key,atTx) zadds" — the score is not part of it.
                    RequireNew(zaddKeys, $"{K(zadd.SortedSet)}\n{K(zadd.Key)}\n{zadd.AtTx}");
                    break;
                default:
                    throw new ModelRejection(StorageErrorCode.IllegalArguments);
            }
        }

        foreach (var precondition in preconditions)
        {
            RequireKey(KeyOf(precondition));
        }

        // 2. Preconditions, against the state before the tx.
        foreach (var precondition in preconditions)
        {
            var latest = Latest(K(KeyOf(precondition)));
            bool live = latest is not null && !latest.IsGoneAt(now);
            bool holds = precondition switch
            {
                Precondition.KeyMustExist => live,
                Precondition.KeyMustNotExist => !live,
                Precondition.KeyNotModifiedAfterTx p => latest is null || latest.TxId <= p.TxId,
                _ => false,
            };
            if (!holds)
            {
                throw new ModelRejection(StorageErrorCode.PreconditionFailed);
            }
        }

        // 3. Each operation against the state before the tx, in request order.
        ulong txId = LastTxId + 1;
        var entries = new List<ModelTxEntry>();
        var newVersions = new List<(string Key, VersionKind Kind, byte[] Value, string Target, ulong AtTx, long? ExpiresAt)>();
        var newMembers = new List<(string Set, ModelMember Member)>();
        var putEarlier = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in operations)
        {
            switch (op)
            {
                case Operation.Put put:
                    {
                        string key = K(put.Entry.Key);
                        long? expiresAt = put.Entry.Metadata?.ExpiresAt;
                        entries.Add(new ModelTxEntry(StoredKey(key), [0x00, .. put.Entry.Value], put.Entry.Metadata));
                        if (put.Entry.Metadata is not { NonIndexable: true })
                        {
                            // A non-indexable entry is in the tx but never becomes a version of its key.
                            newVersions.Add((key, VersionKind.Plain, put.Entry.Value, "", 0, expiresAt));
                        }

                        putEarlier.Add(key);
                        break;
                    }

                case Operation.Delete delete:
                    {
                        string key = K(delete.Key);
                        var latest = Latest(key);
                        if (latest is null || latest.IsGoneAt(now))
                        {
                            throw new ModelRejection(StorageErrorCode.KeyNotFound);
                        }

                        entries.Add(new ModelTxEntry(StoredKey(key), [0x00], new KvMetadata { Deleted = true }));
                        newVersions.Add((key, VersionKind.Deleted, [], "", 0, null));
                        break;
                    }

                case Operation.Reference reference:
                    {
                        string key = K(reference.Key);
                        string target = K(reference.ReferencedKey);
                        var current = Latest(key);
                        if (current is not null && !current.IsGoneAt(now) && current.Kind == VersionKind.Plain)
                        {
                            throw new ModelRejection(StorageErrorCode.FinalKeyCannotBeConvertedIntoReference);
                        }

                        ulong atTx = reference.BoundRef && reference.AtTx == 0 ? txId : reference.AtTx;
                        CheckTarget(target, reference.AtTx, atTx, txId, putEarlier.Contains(target), now);
                        entries.Add(new ModelTxEntry(StoredKey(key), ReferenceValue(atTx, target), null));
                        newVersions.Add((key, VersionKind.Reference, [], target, atTx, null));
                        break;
                    }

                case Operation.ZAdd zadd:
                    {
                        string key = K(zadd.Key);
                        ulong atTx = zadd.BoundRef && zadd.AtTx == 0 ? txId : zadd.AtTx;
                        CheckTarget(key, zadd.AtTx, atTx, txId, putEarlier.Contains(key), now);
                        entries.Add(new ModelTxEntry(ZAddStoredKey(zadd.SortedSet, zadd.Score, zadd.Key, atTx), [], null));
                        newMembers.Add((K(zadd.SortedSet), new ModelMember(zadd.Score, key, atTx)));
                        break;
                    }
            }
        }

        // 4. Commit: the tx, the new versions (revision = one more than the key's last), the new members.
        int version = entries.Any(e => e.Metadata is not null) ? TxHeader.Version1 : TxHeader.Version0;
        var tx = new ModelTx(txId, now, version, entries);
        _txs.Add(tx);
        foreach (var (key, kind, value, target, atTx, expiresAt) in newVersions)
        {
            if (!_keys.TryGetValue(key, out var versions))
            {
                versions = [];
                _keys[key] = versions;
            }

            versions.Add(new ModelVersion(txId, (ulong)versions.Count + 1, kind, value, target, atTx, expiresAt));
        }

        foreach (var (set, member) in newMembers)
        {
            if (!_sets.TryGetValue(set, out var members))
            {
                members = [];
                _sets[set] = members;
            }

            if (!members.Any(m => SameMember(m, member)))
            {
                members.Add(member);
            }
        }

        return tx;
    }

    // ---------------------------------------------------------------- reads (§5.4)

    /// <summary>Get: latest, exactly in tx atTx, or at a revision; references resolved one level.</summary>
    public Entry Get(byte[] key, GetOptions options, long now)
    {
        RequireKey(key);
        if (options.AtTx > 0 && options.SinceTx > 0)
        {
            throw new ModelRejection(StorageErrorCode.IllegalArguments);
        }

        if (options.AtTx > 0 && options.AtRevision != 0)
        {
            throw new ModelRejection(StorageErrorCode.IllegalArguments);
        }

        RequireSinceTx(options);
        string k = K(key);
        var versions = VersionsOf(k);
        ModelVersion? version;
        if (options.AtTx > 0)
        {
            version = versions.FirstOrDefault(v => v.TxId == options.AtTx);
        }
        else if (options.AtRevision != 0)
        {
            long revision = options.AtRevision > 0 ? options.AtRevision : versions.Count + options.AtRevision;
            version = revision >= 1 && revision <= versions.Count ? versions[(int)revision - 1] : null;
        }
        else
        {
            version = Latest(k);
            if (version is not null && version.IsGoneAt(now))
            {
                version = null;
            }
        }

        if (version is null || version.IsGoneAt(now))
        {
            throw new ModelRejection(StorageErrorCode.KeyNotFound);
        }

        return Resolve(k, version, now);
    }

    /// <summary>GetAll: Get of each key in order; the first missing key fails the call.</summary>
    public IReadOnlyList<Entry> GetAll(IReadOnlyList<byte[]> keys, ulong sinceTx, long now) =>
        [.. keys.Select(key => Get(key, new GetOptions { SinceTx = sinceTx }, now))];

    /// <summary>History: every version, references not resolved, value = stored value minus its first byte.</summary>
    public IReadOnlyList<Entry> History(byte[] key, HistoryOptions options, long now)
    {
        RequireKey(key);
        int limit = CheckLimit(options.Limit);
        RequireSinceTx(options);
        var versions = VersionsOf(K(key));
        if (versions.Count == 0)
        {
            throw new ModelRejection(StorageErrorCode.KeyNotFound);
        }

        ulong count = (ulong)versions.Count;
        if (options.Offset == count)
        {
            throw new ModelRejection(StorageErrorCode.NoMoreEntries);
        }

        if (options.Offset > count)
        {
            return [];
        }

        var ordered = options.Desc ? versions.Reverse() : versions;
        return
        [
            .. ordered.Skip((int)options.Offset).Take(limit).Select(v =>
                new Entry(v.TxId, key, StoredValue(v)[1..], v.Revision, v.Metadata, null, v.ExpiresAt is long at && at <= now)),
        ];
    }

    /// <summary>Scan: latest live values of the key-value space in key order, references resolved.</summary>
    public IReadOnlyList<Entry> Scan(ScanOptions options, long now)
    {
        int limit = CheckLimit(options.Limit);
        RequireSinceTx(options);
        string prefix = K(options.Prefix);
        string? seek = options.SeekKey is { Length: > 0 } s ? K(s) : null;
        string? end = options.EndKey is { Length: > 0 } e ? K(e) : null;
        var keys = _keys.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        keys.Sort(StringComparer.Ordinal);
        if (options.Desc)
        {
            keys.Reverse();
        }

        var results = new List<Entry>();
        ulong skip = options.Offset;
        foreach (string key in keys)
        {
            // Ascending: seek is the start and end the stop; descending: seek is the (upper) start and end the (lower) stop.
            if (seek is not null && !Beyond(key, seek, options.Desc, options.InclusiveSeek))
            {
                continue;
            }

            if (end is not null && !Beyond(end, key, options.Desc, options.InclusiveEnd))
            {
                continue;
            }

            var latest = Latest(key)!;
            if (latest.IsGoneAt(now))
            {
                continue;
            }

            Entry entry;
            try
            {
                entry = Resolve(key, latest, now);
            }
            catch (ModelRejection r) when (r.Code == StorageErrorCode.KeyNotFound)
            {
                continue; // a reference whose target is gone
            }

            if (skip > 0)
            {
                skip--;
                continue;
            }

            results.Add(entry);
            if (results.Count == limit)
            {
                break;
            }
        }

        return results;
    }

    /// <summary>Count: keys with the prefix whose latest version is live (references count as keys).</summary>
    public ulong Count(byte[] prefix, long now)
    {
        string p = K(prefix);
        return (ulong)_keys.Count(pair => pair.Key.StartsWith(p, StringComparison.Ordinal) && !pair.Value[^1].IsGoneAt(now));
    }

    /// <summary>ZScan: members ordered as their stored keys (score bits, key length, key, atTx); each resolved like Get.</summary>
    public IReadOnlyList<ZEntry> ZScan(byte[] set, ZScanOptions options, long now)
    {
        RequireKey(set);
        int limit = CheckLimit(options.Limit);
        RequireSinceTx(options);
        var members = _sets.TryGetValue(K(set), out var list) ? list.ToList() : [];
        members.Sort(CompareMembers);
        if (options.Desc)
        {
            members.Reverse();
        }

        ModelMember? seek = options.SeekKey is { Length: > 0 } seekKey ? new ModelMember(options.SeekScore, K(seekKey), options.SeekAtTx) : null;
        var results = new List<ZEntry>();
        ulong skip = options.Offset;
        foreach (var member in members)
        {
            if (seek is not null)
            {
                int c = CompareMembers(member, seek);
                bool after = options.Desc ? c < 0 : c > 0;
                if (!(after || (options.InclusiveSeek && c == 0)))
                {
                    continue;
                }
            }

            if ((options.MinScore is double min && member.Score < min) || (options.MaxScore is double max && member.Score > max))
            {
                continue;
            }

            // The member key at atTx (latest if 0), resolved as a Get would (§5.4: "entry = member resolved at atTx").
            Entry entry;
            try
            {
                entry = Get(B(member.Key), new GetOptions { AtTx = member.AtTx }, now);
            }
            catch (ModelRejection r) when (r.Code is StorageErrorCode.KeyNotFound or StorageErrorCode.MaxKeyResolutionLimitReached)
            {
                continue; // the member's key is gone (or unreadable): the member is skipped
            }

            if (skip > 0)
            {
                skip--;
                continue;
            }

            results.Add(new ZEntry(set, B(member.Key), entry, member.Score, member.AtTx));
            if (results.Count == limit)
            {
                break;
            }
        }

        return results;
    }

    /// <summary>TxById: tx 0 is an illegal argument, beyond the last one is not found.</summary>
    public ModelTx ReadTx(ulong txId)
    {
        if (txId == 0)
        {
            throw new ModelRejection(StorageErrorCode.IllegalArguments);
        }

        if (txId > LastTxId)
        {
            throw new ModelRejection(StorageErrorCode.TxNotFound);
        }

        return _txs[(int)txId - 1];
    }

    /// <summary>TxScan: from initialTx up (or down) for up to limit txs; stops silently at either end of the log.</summary>
    public IReadOnlyList<ModelTx> TxScan(ulong initialTxId, int limit, bool desc)
    {
        if (initialTxId == 0)
        {
            throw new ModelRejection(StorageErrorCode.IllegalArguments);
        }

        limit = CheckLimit(limit);
        var txs = new List<ModelTx>();
        for (ulong id = initialTxId; id >= 1 && id <= LastTxId && txs.Count < limit; id = desc ? id - 1 : id + 1)
        {
            txs.Add(_txs[(int)id - 1]);
        }

        return txs;
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Resolves a version one level (§5.4): a plain value as is, a reference to its target's value.</summary>
    private Entry Resolve(string key, ModelVersion version, long now)
    {
        if (version.Kind != VersionKind.Reference)
        {
            return new Entry(version.TxId, B(key), version.Value, version.Revision, version.Metadata, null);
        }

        var targetVersions = VersionsOf(version.Target);
        var target = version.AtTx > 0 ? targetVersions.FirstOrDefault(v => v.TxId == version.AtTx) : Latest(version.Target);
        if (target is null || target.Kind == VersionKind.Deleted || (version.AtTx == 0 && target.IsGoneAt(now)))
        {
            throw new ModelRejection(StorageErrorCode.KeyNotFound);
        }

        if (target.Kind == VersionKind.Reference)
        {
            throw new ModelRejection(StorageErrorCode.MaxKeyResolutionLimitReached);
        }

        var referencedBy = new EntryReference(version.TxId, B(key), version.AtTx, version.Revision, version.Metadata);
        return new Entry(target.TxId, B(version.Target), target.Value, target.Revision, target.Metadata, referencedBy);
    }

    /// <summary>
    /// The target of a reference or sorted-set member must hold a plain value (latest, or written in atTx).
    /// <paramref name="requestedAtTx"/> is the atTx of the request, <paramref name="atTx"/> the one stored (the id of the
    /// tx being committed, <paramref name="txId"/>, for boundRef with atTx 0).
    /// </summary>
    private void CheckTarget(string key, ulong requestedAtTx, ulong atTx, ulong txId, bool putEarlierInRequest, long now)
    {
        // §5.3 ExecAll: a key set by a KV op earlier in the same request needs no existence check unless atTx > 0.
        if (putEarlierInRequest && requestedAtTx == 0)
        {
            return;
        }

        // Otherwise the version must already be indexed, and the tx being committed is not (engine's choice for
        // boundRef with atTx 0 on a key not set earlier in the request; the spec is silent).
        if (atTx == txId)
        {
            throw new ModelRejection(StorageErrorCode.KeyNotFound);
        }

        var version = atTx > 0 ? VersionsOf(key).FirstOrDefault(v => v.TxId == atTx) : Latest(key);
        if (version is null || version.Kind == VersionKind.Deleted || (atTx == 0 && version.IsGoneAt(now)))
        {
            throw new ModelRejection(StorageErrorCode.KeyNotFound);
        }

        if (version.Kind == VersionKind.Reference)
        {
            throw new ModelRejection(StorageErrorCode.ReferencedKeyCannotBeAReference);
        }
    }

    private ModelVersion? Latest(string key) => _keys.TryGetValue(key, out var versions) ? versions[^1] : null;

    private void RequireSinceTx(IndexWait wait)
    {
        if (wait.SinceTx > LastTxId)
        {
            throw new ModelRejection(StorageErrorCode.IllegalArguments);
        }
    }

    private static void RequireKey(byte[]? key)
    {
        if (key is null || key.Length == 0)
        {
            throw new ModelRejection(StorageErrorCode.IllegalArguments);
        }
    }

    private static void RequireNew(HashSet<string> seen, string key)
    {
        if (!seen.Add(key))
        {
            throw new ModelRejection(StorageErrorCode.DuplicatedKey);
        }
    }

    private static byte[] KeyOf(Precondition precondition) => precondition switch
    {
        Precondition.KeyMustExist p => p.Key,
        Precondition.KeyMustNotExist p => p.Key,
        Precondition.KeyNotModifiedAfterTx p => p.Key,
        _ => [],
    };

    private static int CheckLimit(int limit)
    {
        if (limit < 0)
        {
            throw new ModelRejection(StorageErrorCode.IllegalArguments);
        }

        if (limit > MaxScanLimit)
        {
            throw new ModelRejection(StorageErrorCode.MaxScanLimitExceeded);
        }

        return limit == 0 ? MaxScanLimit : limit;
    }

    /// <summary>True when <paramref name="key"/> lies past <paramref name="bound"/> in scan direction (or on it, when inclusive).</summary>
    private static bool Beyond(string key, string bound, bool desc, bool inclusive)
    {
        int c = string.CompareOrdinal(key, bound);
        return (desc ? c < 0 : c > 0) || (inclusive && c == 0);
    }

    /// <summary>Order of stored sorted-set keys: u64 score bits, then u64 length of the member key, then its bytes, then u64 atTx.</summary>
    private static int CompareMembers(ModelMember x, ModelMember y)
    {
        int c = BitConverter.DoubleToUInt64Bits(x.Score).CompareTo(BitConverter.DoubleToUInt64Bits(y.Score));
        if (c == 0)
        {
            c = x.Key.Length.CompareTo(y.Key.Length);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(x.Key, y.Key);
        }

        return c != 0 ? c : x.AtTx.CompareTo(y.AtTx);
    }

    private static bool SameMember(ModelMember x, ModelMember y) => CompareMembers(x, y) == 0;

    // §1.1 encodings, written out here rather than taken from the engine.
    private static byte[] StoredKey(string key) => [0x00, .. B(key)];

    private static byte[] ReferenceValue(ulong atTx, string target)
    {
        var value = new byte[1 + 8 + 1 + target.Length];
        value[0] = 0x01;
        BinaryPrimitives.WriteUInt64BigEndian(value.AsSpan(1), atTx);
        value[9] = 0x00;
        B(target).CopyTo(value, 10);
        return value;
    }

    private static byte[] StoredValue(ModelVersion version) => version.Kind switch
    {
        VersionKind.Plain => [0x00, .. version.Value],
        VersionKind.Reference => ReferenceValue(version.AtTx, version.Target),
        _ => [0x00],
    };

    private static byte[] ZAddStoredKey(byte[] set, double score, byte[] key, ulong atTx)
    {
        var stored = new List<byte> { 0x01 };
        stored.AddRange(U64((ulong)set.Length));
        stored.AddRange(set);
        stored.AddRange(U64(BitConverter.DoubleToUInt64Bits(score)));
        stored.AddRange(U64((ulong)key.Length + 1));
        stored.Add(0x00);
        stored.AddRange(key);
        stored.AddRange(U64(atTx));
        return [.. stored];
    }

    private static byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }
}
