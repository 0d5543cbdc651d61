// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using Cairn.Storage.Devices;
using Cairn.Storage.Format;

namespace Cairn.Storage.Log;

/// <summary>
/// The append-only transaction log: numbered segment files of records, each segment zero-filled to its size when
/// created (ahead of time, in the background) so that appends overwrite zeros and fdatasync flushes data only.
/// One writer appends; any thread reads. Records never span segments.
/// </summary>
internal sealed class SegmentLog : IDisposable
{
    private const string Extension = ".seg";
    private static readonly byte[] ZeroChunk = new byte[1 << 20];

    private readonly IStorageDevice _device;
    private readonly string _folder;
    private readonly long _segmentSize;
    private readonly Lock _filesLock = new();
    private readonly Dictionary<uint, IStorageFile> _files = [];
    private readonly HashSet<uint> _unsynced = [];
    private Task<IStorageFile>? _next;

    public SegmentLog(IStorageDevice device, string folder, long segmentSize)
    {
        _device = device;
        _folder = folder;
        _segmentSize = segmentSize;
        _device.CreateDirectory(folder);
    }

    /// <summary>The segment appends go to.</summary>
    public uint CurrentSegment { get; private set; }

    /// <summary>Where the next record goes in <see cref="CurrentSegment"/>.</summary>
    public long WriteOffset { get; private set; }

    public string PathOf(uint segment) => Path.Combine(_folder, segment.ToString("D8", CultureInfo.InvariantCulture) + Extension);

    /// <summary>The segment numbers present, ascending.</summary>
    public IReadOnlyList<uint> ListSegments()
    {
        var numbers = new List<uint>();
        foreach (var name in _device.List(_folder, "*" + Extension))
        {
            if (uint.TryParse(Path.GetFileNameWithoutExtension(name), NumberStyles.None, CultureInfo.InvariantCulture, out uint n))
            {
                numbers.Add(n);
            }
        }

        numbers.Sort();
        return numbers;
    }

    /// <summary>The file of an existing segment, opened once.</summary>
    public IStorageFile File(uint segment)
    {
        lock (_filesLock)
        {
            if (!_files.TryGetValue(segment, out var file))
            {
                file = _device.Open(PathOf(segment), create: false);
                _files[segment] = file;
            }

            return file;
        }
    }

    /// <summary>Positions the writer after recovery: appends continue at <paramref name="offset"/> of <paramref name="segment"/>.</summary>
    public void ResumeAt(uint segment, long offset)
    {
        CurrentSegment = segment;
        WriteOffset = offset;
    }

    /// <summary>Creates segment 1 of a new log.</summary>
    public void CreateFirst()
    {
        var file = CreateSegment(1, _segmentSize);
        lock (_filesLock)
        {
            _files[1] = file;
        }

        ResumeAt(1, SegmentHeader.Size);
    }

    /// <summary>
    /// The position for a record of <paramref name="length"/> bytes: in the current segment when it fits, else at the
    /// start of the next one (sized to fit an oversized record).
    /// </summary>
    public LogPosition Reserve(int length)
    {
        if (WriteOffset + length > File(CurrentSegment).Length)
        {
            Rotate(length);
        }

        var position = new LogPosition(CurrentSegment, WriteOffset, length);
        WriteOffset += length;
        return position;
    }

    /// <summary>Writes bytes of records already reserved; durable only after <see cref="Sync"/>.</summary>
    public void Write(uint segment, long offset, ReadOnlySpan<byte> bytes)
    {
        File(segment).Write(offset, bytes);
        _unsynced.Add(segment);
    }

    /// <summary>fdatasync of every segment written since the last call.</summary>
    public void Sync()
    {
        foreach (uint segment in _unsynced)
        {
            File(segment).Sync();
        }

        _unsynced.Clear();
    }

    /// <summary>Reads <paramref name="buffer"/>.Length bytes at a position; false when the file is shorter.</summary>
    public bool Read(uint segment, long offset, Span<byte> buffer) => File(segment).Read(offset, buffer) == buffer.Length;

    /// <summary>The offset of the last non-zero byte in [<paramref name="from"/>, <paramref name="to"/>) of a segment, or null when all are zero.</summary>
    public long? LastNonZero(uint segment, long from, long to)
    {
        var chunk = new byte[1 << 20];
        long? last = null;
        for (long at = from; at < to; at += chunk.Length)
        {
            int length = (int)Math.Min(chunk.Length, to - at);
            Read(segment, at, chunk.AsSpan(0, length));
            int index = chunk.AsSpan(0, length).LastIndexOfAnyExcept((byte)0);
            if (index >= 0)
            {
                last = at + index;
            }
        }

        return last;
    }

    /// <summary>Reads the record of tx <paramref name="txId"/> at <paramref name="position"/>; false unless its magic, id, length and checksum hold.</summary>
    public bool TryReadRecord(LogPosition position, ulong txId, out byte[] record)
    {
        record = [];
        if (position.Length < TxRecord.HeaderSize + TxRecord.ChecksumSize || position.Length > 1 << 30)
        {
            return false;
        }

        var bytes = new byte[position.Length];
        if (!Read(position.Segment, position.Offset, bytes)
            || !TxRecord.TryReadPrefix(bytes, out var prefix)
            || prefix.TxId != txId
            || prefix.Length != position.Length
            || !TxRecord.ChecksumMatches(bytes))
        {
            return false;
        }

        record = bytes;
        return true;
    }

    /// <summary>Starts creating the segment after the current one in the background.</summary>
    public void PrepareNext()
    {
        if (_next is null)
        {
            uint number = CurrentSegment + 1;
            _next = Task.Run(() => CreateSegment(number, _segmentSize));
        }
    }

    /// <summary>Zero-fills bytes [<paramref name="from"/>, <paramref name="to"/>) of a segment and syncs it: erases a torn tail.</summary>
    public void Erase(uint segment, long from, long to)
    {
        var file = File(segment);
        for (long at = from; at < to; at += ZeroChunk.Length)
        {
            file.Write(at, ZeroChunk.AsSpan(0, (int)Math.Min(ZeroChunk.Length, to - at)));
        }

        file.Sync();
    }

    /// <summary>Deletes a segment that holds no record (left over from a crash during rotation).</summary>
    public void DeleteSegment(uint segment)
    {
        lock (_filesLock)
        {
            if (_files.Remove(segment, out var file))
            {
                file.Dispose();
            }
        }

        _device.Delete(PathOf(segment));
        _device.SyncDirectory(_folder);
    }

    public void Dispose()
    {
        try
        {
            _next?.Wait();
            if (_next is { IsCompletedSuccessfully: true })
            {
                _next.Result.Dispose();
            }
        }
        catch (AggregateException)
        {
            // A failed pre-creation leaves at most an unused segment, which recovery tolerates.
        }

        lock (_filesLock)
        {
            foreach (var file in _files.Values)
            {
                file.Dispose();
            }

            _files.Clear();
        }
    }

    private void Rotate(int recordLength)
    {
        uint number = CurrentSegment + 1;
        long needed = SegmentHeader.Size + (long)recordLength;
        IStorageFile file;
        if (_next is not null && needed <= _segmentSize)
        {
            file = _next.GetAwaiter().GetResult();
        }
        else
        {
            if (_next is not null)
            {
                _next.GetAwaiter().GetResult().Dispose();
                _device.Delete(PathOf(number));
            }

            file = CreateSegment(number, Math.Max(_segmentSize, needed));
        }

        _next = null;
        lock (_filesLock)
        {
            _files[number] = file;
        }

        ResumeAt(number, SegmentHeader.Size);
        PrepareNext();
    }

    private IStorageFile CreateSegment(uint number, long size)
    {
        string path = PathOf(number);
        var file = _device.Open(path, create: true);
        try
        {
            Span<byte> header = stackalloc byte[SegmentHeader.Size];
            SegmentHeader.Write(header, number);
            file.Write(0, header);
            for (long at = SegmentHeader.Size; at < size; at += ZeroChunk.Length)
            {
                file.Write(at, ZeroChunk.AsSpan(0, (int)Math.Min(ZeroChunk.Length, size - at)));
            }

            file.Sync();
            _device.SyncDirectory(_folder);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
