// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers;
using System.Globalization;
using System.Text;
using Cairn.Storage;
using Microsoft.Extensions.Logging;

namespace Cairn.Engine.Audit;

/// <summary>
/// The audit trail: the request path enqueues records without waiting for storage; one background writer drains
/// the queue in batches, each batch one auditdb transaction acknowledged on durability only (noWait: the group
/// commit makes it durable, nobody reads it back at once), and then appends the same records as JSON lines to the
/// optional log file. A batch's records are stored as JSON lines in as few entries as fit <see cref="ChunkBytes"/>,
/// each compressed (<see cref="AuditChunk"/>) and keyed <c>audit.&lt;20-digit sequence of its first record&gt;</c>
/// (so they sort in order): per-entry work (digest, Merkle leaf, index row) is paid per chunk, not per record, and
/// the bytes stored per record are a tenth of its JSON.
/// </summary>
public sealed class AuditTrail : IDisposable
{
    /// <summary>The prefix of every entry's key.</summary>
    public const string KeyPrefix = "audit.";

    /// <summary>
    /// The most bytes of JSON lines in one entry before compression (a single larger record gets an entry of its
    /// own): a verified read of one record proves, and expands, no more than this.
    /// </summary>
    public const int ChunkBytes = 64 * 1024;

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private readonly Database? _database;
    private readonly AuditOptions _options;
    private readonly ILogger _logger;
    private readonly int _maxBatch;
    private readonly FileStream? _file;
    private readonly Task _writer = Task.CompletedTask;

    // The writer's buffers, kept between batches: the batch's JSON lines, and an entry's compressed bytes.
    private readonly ArrayBufferWriter<byte> _lines = new(ChunkBytes);
    private readonly MemoryStream _packed = new();

    // The queue: records are added to _filling under _gate; the writer swaps it for _spare (empty) and writes it.
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _recordsWaiting = new(0);
    private PendingRecords _filling = new();
    private PendingRecords _spare = new();
    private TaskCompletionSource _roomMade = NewSignal();
    private bool _closed;

    private ulong _nextSequence;
    private long _written;
    private long _dropped;
    private long _failed;
    private int _inFlight;
    private int _disposed;

    private AuditTrail(Database? database, AuditOptions options, ILogger logger, ulong nextSequence, FileStream? file)
    {
        _database = database;
        _options = options;
        _logger = logger;
        _nextSequence = nextSequence;
        _file = file;
        if (database is null)
        {
            return;
        }

        _maxBatch = Math.Max(1, database.Options.MaxTxEntries);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Whether records are written.</summary>
    public bool Enabled => _database is not null;

    /// <summary>Records made durable in auditdb since start.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records dropped because the queue stayed full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records lost because auditdb refused the write.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Records waiting in the queue.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _filling.Count;
            }
        }
    }

    /// <summary>
    /// Starts the trail over <paramref name="database"/> (auditdb), continuing after its last record; with
    /// <see cref="AuditOptions.Enabled"/> false it records nothing.
    /// </summary>
    public static async Task<AuditTrail> StartAsync(Database database, AuditOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (!options.Enabled)
        {
            AuditLog.Off(logger);
            return new AuditTrail(null, options, logger, 0, null);
        }

        ulong next = await LastSequenceAsync(database, cancellationToken).ConfigureAwait(false) + 1;
        FileStream? file = null;
        if (options.LogFile is { } path)
        {
            var fileOptions = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            file = new FileStream(Path.GetFullPath(path), fileOptions);
        }

        AuditLog.Started(logger, next, options.QueueCapacity, options.LogFile ?? "none");
        return new AuditTrail(database, options, logger, next, file);
    }

    /// <summary>
    /// Queues <paramref name="record"/>. Completes at once while the queue has room; when it is full, waits up to
    /// <see cref="AuditOptions.FullWait"/> and then drops the record (counted, logged as an error).
    /// </summary>
    public ValueTask RecordAsync(AuditEvent record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!Enabled)
        {
            return ValueTask.CompletedTask;
        }

        var body = record.WriteJsonBody();
        return TryAdd(body, out var room) switch
        {
            Added.Yes => ValueTask.CompletedTask,
            Added.Full => WaitForRoomAsync(body.ToArray(), room!),
            _ => Refused(),
        };
    }

    private enum Added
    {
        Yes,
        Full,
        Closed,
    }

    private Added TryAdd(ReadOnlySpan<byte> body, out Task? room)
    {
        lock (_gate)
        {
            room = null;
            if (_closed)
            {
                return Added.Closed;
            }

            if (_filling.Count >= _options.QueueCapacity)
            {
                room = _roomMade.Task;
                return Added.Full;
            }

            _filling.Add(body);

            // Only the first record of a batch wakes the writer; it takes the rest when it swaps the buffer. Inside
            // the lock, so that no release can follow Dispose.
            if (_filling.Count == 1)
            {
                _recordsWaiting.Release();
            }
        }

        return Added.Yes;
    }

    private async ValueTask WaitForRoomAsync(byte[] body, Task room)
    {
        long deadline = Environment.TickCount64 + (long)_options.FullWait.TotalMilliseconds;
        while (true)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0 || !await WaitAsync(room, left).ConfigureAwait(false))
            {
                long dropped = Interlocked.Increment(ref _dropped);
                if (dropped == 1 || dropped % 1000 == 0)
                {
                    AuditLog.Dropped(_logger, _options.FullWait, dropped);
                }

                return;
            }

            switch (TryAdd(body, out var next))
            {
                case Added.Yes:
                    return;
                case Added.Closed:
                    AuditLog.AfterShutdown(_logger);
                    return;
                default:
                    room = next!;
                    break;
            }
        }
    }

    private static async Task<bool> WaitAsync(Task task, long milliseconds)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromMilliseconds(milliseconds)).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private ValueTask Refused()
    {
        AuditLog.AfterShutdown(_logger);
        return ValueTask.CompletedTask;
    }

    /// <summary>Completes when every record queued before the call is durable (or failed); for tests and benchmarks.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (Pending > 0 || Volatile.Read(ref _inFlight) > 0)
        {
            await Task.Delay(2, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WriteLoopAsync()
    {
        while (true)
        {
            await _recordsWaiting.WaitAsync().ConfigureAwait(false);
            Volatile.Write(ref _inFlight, 1);

            // Let records gather (one auditdb commit and fsync per interval), unless the queue is already big or
            // the trail is stopping.
            if (_options.BatchDelay > TimeSpan.Zero && Pending < _maxBatch && Volatile.Read(ref _disposed) == 0)
            {
                await Task.Delay(_options.BatchDelay).ConfigureAwait(false);
            }

            PendingRecords batch;
            TaskCompletionSource roomMade;
            bool last;
            lock (_gate)
            {
                batch = _filling;
                _filling = _spare;
                roomMade = _roomMade;
                _roomMade = NewSignal();
                last = _closed;
            }

            roomMade.TrySetResult();
            for (int start = 0; start < batch.Count; start += _maxBatch)
            {
                await WriteBatchAsync(batch, start, Math.Min(batch.Count, start + _maxBatch)).ConfigureAwait(false);
            }

            batch.Clear();
            lock (_gate)
            {
                _spare = batch;
            }

            Volatile.Write(ref _inFlight, 0);
            if (last)
            {
                return;
            }
        }
    }

    // Records [start, end) of the batch as one auditdb transaction.
    private async Task WriteBatchAsync(PendingRecords batch, int start, int end)
    {
        ulong first = _nextSequence;
        int count = end - start;

        // The numbered records go into _lines as JSON lines; each run of at most ChunkBytes becomes one entry.
        _lines.ResetWrittenCount();
        var entries = new List<KeyValue>();
        int chunkStart = 0;
        ulong chunkSequence = first;
        for (int i = start; i < end; i++)
        {
            ulong sequence = first + (ulong)(i - start);
            int length = AuditEvent.NumberedLength(batch[i], sequence) + 1;
            if (_lines.WrittenCount > chunkStart && _lines.WrittenCount - chunkStart + length > ChunkBytes)
            {
                entries.Add(new KeyValue(Key(chunkSequence), AuditChunk.Pack(_lines.WrittenSpan[chunkStart..], _packed)));
                chunkStart = _lines.WrittenCount;
                chunkSequence = sequence;
            }

            var line = _lines.GetSpan(length);
            AuditEvent.WriteNumbered(batch[i], sequence, line);
            line[length - 1] = (byte)'\n';
            _lines.Advance(length);
        }

        entries.Add(new KeyValue(Key(chunkSequence), AuditChunk.Pack(_lines.WrittenSpan[chunkStart..], _packed)));
        try
        {
            await _database!.SetAsync(entries, preconditions: null, noWait: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or IOException or ObjectDisposedException)
        {
            // Nothing of the batch was written (a tx is atomic): its sequence numbers are reused, leaving no gap.
            Interlocked.Add(ref _failed, count);
            AuditLog.WriteFailed(_logger, e, count);
            return;
        }

        _nextSequence = first + (ulong)count;
        Interlocked.Add(ref _written, count);
        if (_file is not null)
        {
            try
            {
                // The file gets the same lines, uncompressed, in one write, synced: a crash loses at most this batch
                // from the file (auditdb has it), not the seconds of records the kernel would otherwise hold.
                _file.Write(_lines.WrittenSpan);
                _file.Flush(flushToDisk: true);
            }
            catch (IOException e)
            {
                AuditLog.FileFailed(_logger, e, _file.Name);
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The key of the entry whose first record is <paramref name="sequence"/>.</summary>
    public static byte[] Key(ulong sequence) => Encoding.ASCII.GetBytes(KeyPrefix + sequence.ToString("D20", CultureInfo.InvariantCulture));

    private static async Task<ulong> LastSequenceAsync(Database database, CancellationToken cancellationToken)
    {
        var last = await database.ScanAsync(new ScanOptions
        {
            Prefix = Encoding.ASCII.GetBytes(KeyPrefix),
            Desc = true,
            Limit = 1,
            SinceTx = database.LastTxId,
        }, cancellationToken).ConfigureAwait(false);
        if (last.Count != 1 || !ulong.TryParse(Encoding.ASCII.GetString(last[0].Key.AsSpan(KeyPrefix.Length)), NumberStyles.None, CultureInfo.InvariantCulture, out ulong first))
        {
            return 0;
        }

        // The entry holds its first record and those after it.
        return first + (ulong)Math.Max(0, AuditChunk.Records(last[0].Value).Count - 1);
    }

    /// <summary>Stops taking records and waits until every queued one is written; call before auditdb closes.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Enabled)
        {
            lock (_gate)
            {
                _closed = true;
            }

            // Wakes the writer for its last batch (possibly empty).
            _recordsWaiting.Release();
            if (!_writer.Wait(DrainTimeout))
            {
                AuditLog.DrainTimedOut(_logger, Pending);
            }

            AuditLog.Stopped(_logger, _nextSequence - 1, Written, Dropped, Failed);
        }

        _recordsWaiting.Dispose();
        _file?.Dispose();
    }
}
