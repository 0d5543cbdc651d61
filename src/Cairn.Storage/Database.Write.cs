// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Storage.Commit;
using Cairn.Storage.Format;
using Cairn.Storage.Index;
using Cairn.Verification;
using Cairn.Verification.Encodings;

namespace Cairn.Storage;

public sealed partial class Database
{
    /// <summary>
    /// Sets <paramref name="entries"/> atomically in one transaction. The task completes when the transaction is
    /// durable and, unless <paramref name="noWait"/>, indexed (so a following read sees it).
    /// </summary>
    /// <exception cref="StorageException">Invalid input, a failed precondition, or a failed database.</exception>
    public Task<TxHeader> SetAsync(IReadOnlyList<KeyValue> entries, IReadOnlyList<Precondition>? preconditions = null, bool noWait = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return ExecAllAsync([.. entries.Select(e => (Operation)new Operation.Put(e))], preconditions, noWait, cancellationToken);
    }

    /// <summary>Makes <paramref name="key"/> a reference to <paramref name="referencedKey"/> (at <paramref name="atTx"/>, 0 = latest).</summary>
    public Task<TxHeader> SetReferenceAsync(byte[] key, byte[] referencedKey, ulong atTx = 0, bool boundRef = false, IReadOnlyList<Precondition>? preconditions = null, bool noWait = false, CancellationToken cancellationToken = default)
    {
        if (boundRef != atTx > 0)
        {
            return Task.FromException<TxHeader>(StorageException.IllegalArguments("boundRef must be set exactly when atTx is"));
        }

        return ExecAllAsync([new Operation.Reference(key, referencedKey, atTx, boundRef)], preconditions, noWait, cancellationToken);
    }

    /// <summary>Adds <paramref name="key"/> to sorted set <paramref name="set"/> with <paramref name="score"/>.</summary>
    public Task<TxHeader> ZAddAsync(byte[] set, double score, byte[] key, ulong atTx = 0, bool boundRef = false, bool noWait = false, CancellationToken cancellationToken = default)
    {
        if (boundRef != atTx > 0)
        {
            return Task.FromException<TxHeader>(StorageException.IllegalArguments("boundRef must be set exactly when atTx is"));
        }

        return ExecAllAsync([new Operation.ZAdd(set, score, key, atTx, boundRef)], null, noWait, cancellationToken);
    }

    /// <summary>Logically deletes <paramref name="keys"/> (version-1 entries with the deleted flag); each must have a live value.</summary>
    public Task<TxHeader> DeleteAsync(IReadOnlyList<byte[]> keys, bool noWait = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return ExecAllAsync([.. keys.Select(k => (Operation)new Operation.Delete(k))], null, noWait, cancellationToken);
    }

    /// <summary>Runs <paramref name="operations"/> atomically as one transaction (immudb's ExecAll).</summary>
    public Task<TxHeader> ExecAllAsync(IReadOnlyList<Operation> operations, IReadOnlyList<Precondition>? preconditions = null, bool noWait = false, CancellationToken cancellationToken = default) =>
        CommitAsync(operations, preconditions, noWait, null, cancellationToken);

    private async Task<TxHeader> CommitAsync(IReadOnlyList<Operation> operations, IReadOnlyList<Precondition>? preconditions, bool noWait, TxMetadata? txMetadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ThrowIfClosed();
        var pending = Prepare(operations, preconditions ?? [], txMetadata);
        Enqueue(pending);
        var header = await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!noWait)
        {
            await _watermark.WaitAsync(header.Id, _options.IndexWaitTimeout, cancellationToken).ConfigureAwait(false);
        }

        return header;
    }

    /// <summary>Checks what can be checked without state and, for plain sets, computes entries, digests and eH here.</summary>
    private PendingTx Prepare(IReadOnlyList<Operation> operations, IReadOnlyList<Precondition> preconditions, TxMetadata? txMetadata)
    {
        if (operations.Count == 0)
        {
            throw StorageException.IllegalArguments("a transaction needs at least one entry");
        }

        if (operations.Count > _options.MaxTxEntries)
        {
            throw new StorageException(StorageErrorCode.MaxTxEntriesExceeded, $"max number of entries per tx exceeded: {operations.Count} > {_options.MaxTxEntries}");
        }

        var storedKeys = new HashSet<byte[]>(ByteArrayComparer.Instance);
        var storedKeysInOrder = new byte[operations.Count][];
        bool stateless = preconditions.Count == 0;
        for (int i = 0; i < operations.Count; i++)
        {
            var op = operations[i];
            byte[] storedKey = op switch
            {
                Operation.Put s => CheckKey(s.Entry.Key),
                Operation.Delete d => CheckKey(d.Key),
                Operation.Reference r => CheckReference(r),
                Operation.ZAdd z => CheckZAdd(z),
                _ => throw StorageException.IllegalArguments("unknown operation"),
            };
            storedKeysInOrder[i] = storedKey;
            if (op is Operation.Put { Entry: var kv })
            {
                CheckValue(kv);
            }
            else
            {
                stateless = false;
            }

            // A member is one (set, key, atTx) whatever its score: two scores for it in one request are duplicates.
            var identity = op is Operation.ZAdd member ? SortedSetEncoding.StoredKey(member.SortedSet, 0, member.Key, member.AtTx) : storedKey;
            if (!storedKeys.Add(identity))
            {
                throw new StorageException(StorageErrorCode.DuplicatedKey, "duplicated key");
            }
        }

        foreach (var precondition in preconditions)
        {
            CheckKey(precondition switch
            {
                Precondition.KeyMustExist p => p.Key,
                Precondition.KeyMustNotExist p => p.Key,
                Precondition.KeyNotModifiedAfterTx p => p.Key,
                _ => throw StorageException.IllegalArguments("unknown precondition"),
            });
        }

        var pending = new PendingTx(operations, preconditions, txMetadata) { NeedsState = !stateless };
        if (stateless)
        {
            var entries = new PreparedEntry[operations.Count];
            for (int i = 0; i < entries.Length; i++)
            {
                entries[i] = SetEntry(storedKeysInOrder[i], ((Operation.Put)operations[i]).Entry);
            }

            pending.Entries = entries;
            Seal(pending);
        }

        return pending;
    }

    private void Seal(PendingTx pending)
    {
        pending.Seal();
        if (pending.RecordSize > _options.MaxTxBytes)
        {
            throw new StorageException(StorageErrorCode.MaxTxSizeExceeded, $"transaction of {pending.RecordSize} bytes exceeds the limit of {_options.MaxTxBytes}");
        }
    }

    private static PreparedEntry SetEntry(byte[] storedKey, KeyValue kv) =>
        PreparedEntry.Create(storedKey, KeyValueEncoding.PlainValue(kv.Value), kv.Metadata);

    private byte[] CheckKey(byte[]? key)
    {
        if (key is null || key.Length == 0)
        {
            throw StorageException.IllegalArguments("empty key");
        }

        if (key.Length + 1 > _options.MaxKeyLength)
        {
            throw new StorageException(StorageErrorCode.MaxKeyLengthExceeded, $"max key length exceeded: {key.Length} > {_options.MaxKeyLength - 1}");
        }

        return KeyValueEncoding.StoredKey(key);
    }

    private void CheckValue(KeyValue kv)
    {
        if (kv.Value is null)
        {
            throw StorageException.IllegalArguments("null value");
        }

        if (kv.Value.Length + 1 > _options.MaxValueLength)
        {
            throw new StorageException(StorageErrorCode.MaxValueLengthExceeded, $"max value length exceeded: {kv.Value.Length} > {_options.MaxValueLength - 1}");
        }

        if (kv.Metadata is { Deleted: true })
        {
            throw StorageException.IllegalArguments("use Delete to delete a key");
        }
    }

    private byte[] CheckReference(Operation.Reference r)
    {
        CheckKey(r.ReferencedKey);
        if (!r.BoundRef && r.AtTx > 0)
        {
            throw StorageException.IllegalArguments("atTx needs boundRef");
        }

        return CheckKey(r.Key);
    }

    private byte[] CheckZAdd(Operation.ZAdd z)
    {
        CheckKey(z.Key);
        if (z.SortedSet is null || z.SortedSet.Length == 0)
        {
            throw StorageException.IllegalArguments("empty set");
        }

        if (!z.BoundRef && z.AtTx > 0)
        {
            throw StorageException.IllegalArguments("atTx needs boundRef");
        }

        var stored = SortedSetEncoding.StoredKey(z.SortedSet, z.Score, z.Key, z.AtTx);
        if (stored.Length > _options.MaxKeyLength)
        {
            throw new StorageException(StorageErrorCode.MaxKeyLengthExceeded, "max key length exceeded");
        }

        return stored;
    }

    /// <summary>
    /// On the committer, with the index caught up: checks preconditions and the rules of references, sorted sets
    /// and deletes, and builds the entries. <paramref name="txId"/> is the id this tx will get.
    /// </summary>
    private void Resolve(PendingTx pending, ulong txId)
    {
        long now = _options.UnixTimeSeconds();
        foreach (var precondition in pending.Preconditions)
        {
            switch (precondition)
            {
                case Precondition.KeyMustExist p when !IsLive(LatestOf(p.Key), now):
                    throw new StorageException(StorageErrorCode.PreconditionFailed, "precondition failed: key must exist");
                case Precondition.KeyMustNotExist p when IsLive(LatestOf(p.Key), now):
                    throw new StorageException(StorageErrorCode.PreconditionFailed, "precondition failed: key must not exist");
                case Precondition.KeyNotModifiedAfterTx p when LatestOf(p.Key) is { } latest && latest.TxId > p.TxId:
                    throw new StorageException(StorageErrorCode.PreconditionFailed, $"precondition failed: key was modified after tx {p.TxId}");
            }
        }

        // A reference or member may target a key set by an earlier operation of the same request (immudb §5.3).
        var setEarlier = new HashSet<byte[]>(ByteArrayComparer.Instance);
        var entries = new PreparedEntry[pending.Operations.Count];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = pending.Operations[i] switch
            {
                Operation.Put s => SetEntry(KeyValueEncoding.StoredKey(s.Entry.Key), s.Entry),
                Operation.Delete d => DeleteEntry(d, now),
                Operation.Reference r => ReferenceEntry(r, txId, setEarlier, now),
                Operation.ZAdd z => ZAddEntry(z, txId, setEarlier, now),
                _ => throw StorageException.IllegalArguments("unknown operation"),
            };
            if (pending.Operations[i] is Operation.Put put)
            {
                setEarlier.Add(put.Entry.Key);
            }
        }

        pending.Entries = entries;
        Seal(pending);
    }

    private PreparedEntry DeleteEntry(Operation.Delete d, long now)
    {
        if (!IsLive(LatestOf(d.Key), now))
        {
            throw StorageException.KeyNotFound();
        }

        return PreparedEntry.Create(KeyValueEncoding.StoredKey(d.Key), KeyValueEncoding.PlainValue([]), new KvMetadata { Deleted = true });
    }

    private PreparedEntry ReferenceEntry(Operation.Reference r, ulong txId, HashSet<byte[]> setHere, long now)
    {
        var current = LatestOf(r.Key);
        if (current is { } version && IsLive(version, now) && ReadStoredValue(version)[0] != KeyValueEncoding.ReferenceValuePrefix)
        {
            throw new StorageException(StorageErrorCode.FinalKeyCannotBeConvertedIntoReference, "final key cannot be converted into a reference");
        }

        ulong atTx = r.BoundRef && r.AtTx == 0 ? txId : r.AtTx;
        CheckTarget(r.ReferencedKey, r.AtTx, atTx, txId, setHere, now);
        return PreparedEntry.Create(KeyValueEncoding.StoredKey(r.Key), KeyValueEncoding.ReferenceValue(atTx, r.ReferencedKey), null);
    }

    private PreparedEntry ZAddEntry(Operation.ZAdd z, ulong txId, HashSet<byte[]> setHere, long now)
    {
        ulong atTx = z.BoundRef && z.AtTx == 0 ? txId : z.AtTx;
        CheckTarget(z.Key, z.AtTx, atTx, txId, setHere, now);
        return PreparedEntry.Create(SortedSetEncoding.StoredKey(z.SortedSet, z.Score, z.Key, atTx), [], null);
    }

    // The target of a reference or sorted-set member must hold a plain value (latest, or written in atTx). A key set
    // by an earlier operation of the request needs no check unless the request named an atTx (immudb §5.3).
    private void CheckTarget(byte[] key, ulong requestedAtTx, ulong atTx, ulong txId, HashSet<byte[]> setHere, long now)
    {
        if (setHere.Contains(key) && requestedAtTx == 0)
        {
            return;
        }

        if (atTx == txId)
        {
            throw StorageException.KeyNotFound();
        }

        var storedKey = KeyValueEncoding.StoredKey(key);
        var target = atTx > 0 ? _index.GetAtTx(storedKey, atTx) : _index.GetLatest(storedKey);
        if (target is not { } version || (atTx == 0 && !IsLive(version, now)) || version.Deleted)
        {
            throw StorageException.KeyNotFound();
        }

        if (ReadStoredValue(version)[0] == KeyValueEncoding.ReferenceValuePrefix)
        {
            throw new StorageException(StorageErrorCode.ReferencedKeyCannotBeAReference, "referenced key cannot be a reference");
        }
    }

    private IndexedVersion? LatestOf(byte[] userKey) => _index.GetLatest(KeyValueEncoding.StoredKey(userKey));

    private static bool IsLive(IndexedVersion? version, long now) => version is { } v && !v.IsGoneAt(now);
}
