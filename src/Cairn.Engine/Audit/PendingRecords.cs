// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Engine.Audit;

/// <summary>
/// Records waiting for the audit writer: their JSON bodies back to back in one buffer that is kept and reused. The
/// request path copies a record in instead of allocating an array per record that would outlive the young GC
/// generation while a batch gathers; the writer swaps the whole buffer for an empty one.
/// </summary>
internal sealed class PendingRecords
{
    private const int InitialBytes = 64 << 10;
    private byte[] _bytes = new byte[InitialBytes];
    private readonly List<int> _ends = [];

    /// <summary>How many records are waiting.</summary>
    public int Count => _ends.Count;

    /// <summary>The body of record <paramref name="index"/>, in the order they were added.</summary>
    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            int start = index == 0 ? 0 : _ends[index - 1];
            return _bytes.AsSpan(start, _ends[index] - start);
        }
    }

    /// <summary>Appends a record's body.</summary>
    public void Add(ReadOnlySpan<byte> body)
    {
        int used = _ends.Count == 0 ? 0 : _ends[^1];
        if (_bytes.Length - used < body.Length)
        {
            // Grows once to the busiest batch's size and stays there.
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, used + body.Length));
        }

        body.CopyTo(_bytes.AsSpan(used));
        _ends.Add(used + body.Length);
    }

    /// <summary>Forgets every record, keeping the buffer.</summary>
    public void Clear() => _ends.Clear();
}
