// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;

namespace Cairn.Verification;

/// <summary>
/// Who wrote a transaction: the authenticated user, the client's address, the session, and what the client said
/// about itself (origin, request id). Cairn stores it in the header's metadata <c>extra</c> attribute
/// (<see cref="TxMetadata.Extra"/>), so the Alh, and every proof that covers it, covers the authorship too.
/// </summary>
/// <remarks>
/// Encoding (docs/formats/provenance.md): byte 0 is the format version (1), then fields in ascending tag order,
/// each <c>tag u8 || length u8 || UTF-8 bytes</c>, each tag at most once; absent and empty fields are omitted.
/// When the full record is longer than <see cref="TxMetadata.MaxExtraSize"/>, the header holds the fields that fit
/// (tag order, greedily) and the SHA-256 of the full record under <see cref="DigestTag"/>.
/// </remarks>
public sealed record Provenance
{
    /// <summary>The format version this code writes and reads (byte 0 of the encoding).</summary>
    public const byte FormatVersion = 1;

    /// <summary>Tag of the authenticated user name.</summary>
    public const byte UserTag = 0x01;

    /// <summary>Tag of the client's network address as the server saw it.</summary>
    public const byte ClientAddressTag = 0x02;

    /// <summary>Tag of the session id (session-mode callers only).</summary>
    public const byte SessionIdTag = 0x03;

    /// <summary>Tag of the client-supplied origin (gRPC metadata <c>x-cairn-origin</c>).</summary>
    public const byte OriginTag = 0x04;

    /// <summary>Tag of the client-supplied request id (gRPC metadata <c>x-request-id</c>).</summary>
    public const byte RequestIdTag = 0x05;

    /// <summary>Tag of the SHA-256 of the full record, present only in the digest form.</summary>
    public const byte DigestTag = 0x10;

    /// <summary>The longest field, in UTF-8 bytes (the length is one byte).</summary>
    public const int MaxFieldLength = 255;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The authenticated user name.</summary>
    public string? User { get; init; }

    /// <summary>The client's address as the server saw it (gRPC peer, e.g. <c>ipv4:127.0.0.1:50312</c>).</summary>
    public string? ClientAddress { get; init; }

    /// <summary>The session id, when the caller used a session.</summary>
    public string? SessionId { get; init; }

    /// <summary>What the client says it is (<c>x-cairn-origin</c>); not authenticated.</summary>
    public string? Origin { get; init; }

    /// <summary>The client's request id (<c>x-request-id</c>); not authenticated.</summary>
    public string? RequestId { get; init; }

    /// <summary>The full record: every present field, never a digest. May be longer than a header can hold.</summary>
    /// <exception cref="ArgumentException">A field is longer than <see cref="MaxFieldLength"/> UTF-8 bytes.</exception>
    public byte[] ToFullRecord()
    {
        var fields = Fields();
        var bytes = new List<byte>(1 + fields.Sum(f => 2 + f.Value.Length)) { FormatVersion };
        foreach (var (tag, value) in fields)
        {
            Append(bytes, tag, value);
        }

        return [.. bytes];
    }

    /// <summary>
    /// The bytes for the header's <c>extra</c>: the full record when it fits in <see cref="TxMetadata.MaxExtraSize"/>
    /// bytes, otherwise the digest form (the fields that fit, in tag order, and the SHA-256 of the full record).
    /// </summary>
    /// <exception cref="ArgumentException">A field is longer than <see cref="MaxFieldLength"/> UTF-8 bytes.</exception>
    public ProvenanceEncoding Encode()
    {
        byte[] full = ToFullRecord();
        if (full.Length <= TxMetadata.MaxExtraSize)
        {
            return new ProvenanceEncoding(full, full, IsDigestForm: false);
        }

        const int digestField = 2 + Digest.Size;
        var extra = new List<byte>(TxMetadata.MaxExtraSize) { FormatVersion };
        foreach (var (tag, value) in Fields())
        {
            // Greedy in tag order: a long field is left to the digest, shorter later ones still show.
            if (extra.Count + 2 + value.Length + digestField <= TxMetadata.MaxExtraSize)
            {
                Append(extra, tag, value);
            }
        }

        Append(extra, DigestTag, Digest.Compute(full).ToArray());
        return new ProvenanceEncoding([.. extra], full, IsDigestForm: true);
    }

    /// <summary>Decodes header <c>extra</c> bytes; never throws (unknown or malformed bytes are reported as such).</summary>
    public static ProvenanceInfo Decode(ReadOnlySpan<byte> extra)
    {
        byte[] raw = extra.ToArray();
        if (raw.Length == 0 || raw[0] != FormatVersion)
        {
            return new ProvenanceInfo(raw, ProvenanceStatus.UnknownFormat, null, null, raw.Length == 0 ? "empty" : $"format version {raw[0]} is not known");
        }

        try
        {
            var (provenance, digest) = ParseV1(raw);
            return new ProvenanceInfo(raw, digest is null ? ProvenanceStatus.Complete : ProvenanceStatus.Digest, provenance, digest, null);
        }
        catch (FormatException e)
        {
            return new ProvenanceInfo(raw, ProvenanceStatus.Malformed, null, null, e.Message);
        }
    }

    /// <summary>Parses a full record (as <see cref="ToFullRecord"/> writes it) strictly.</summary>
    /// <exception cref="FormatException">Not a version-1 full record.</exception>
    public static Provenance ParseFullRecord(ReadOnlySpan<byte> record)
    {
        if (record.IsEmpty || record[0] != FormatVersion)
        {
            throw new FormatException("Not a version 1 provenance record.");
        }

        var (provenance, digest) = ParseV1(record);
        return digest is null ? provenance : throw new FormatException("A full provenance record cannot hold a digest.");
    }

    private static (Provenance Provenance, Digest? RecordDigest) ParseV1(ReadOnlySpan<byte> bytes)
    {
        var result = new Provenance();
        Digest? digest = null;
        int lastTag = 0;
        int at = 1;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < 2)
            {
                throw new FormatException($"Provenance field at byte {at} is truncated.");
            }

            byte tag = bytes[at];
            int length = bytes[at + 1];
            at += 2;
            if (tag <= lastTag)
            {
                throw new FormatException($"Provenance tag 0x{tag:x2} is repeated or out of order.");
            }

            if (length == 0 || length > bytes.Length - at)
            {
                throw new FormatException($"Provenance field 0x{tag:x2} has a bad length {length}.");
            }

            lastTag = tag;
            var value = bytes.Slice(at, length);
            at += length;
            result = tag switch
            {
                UserTag => result with { User = Text(value) },
                ClientAddressTag => result with { ClientAddress = Text(value) },
                SessionIdTag => result with { SessionId = Text(value) },
                OriginTag => result with { Origin = Text(value) },
                RequestIdTag => result with { RequestId = Text(value) },
                DigestTag when length == Digest.Size => result,
                DigestTag => throw new FormatException($"Provenance digest is {length} bytes, not {Digest.Size}."),
                _ => throw new FormatException($"Unknown provenance tag 0x{tag:x2}."),
            };
            if (tag == DigestTag)
            {
                digest = new Digest(value);
            }
        }

        return (result, digest);
    }

    private static string Text(ReadOnlySpan<byte> value)
    {
        try
        {
            return StrictUtf8.GetString(value);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException("A provenance field is not UTF-8.", e);
        }
    }

    private List<(byte Tag, byte[] Value)> Fields()
    {
        var fields = new List<(byte, byte[])>(5);
        Add(fields, UserTag, User, nameof(User));
        Add(fields, ClientAddressTag, ClientAddress, nameof(ClientAddress));
        Add(fields, SessionIdTag, SessionId, nameof(SessionId));
        Add(fields, OriginTag, Origin, nameof(Origin));
        Add(fields, RequestIdTag, RequestId, nameof(RequestId));
        return fields;
    }

    private static void Add(List<(byte, byte[])> fields, byte tag, string? value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        byte[] bytes = StrictUtf8.GetBytes(value);
        if (bytes.Length > MaxFieldLength)
        {
            throw new ArgumentException($"Provenance {name} is at most {MaxFieldLength} UTF-8 bytes, got {bytes.Length}.", name);
        }

        fields.Add((tag, bytes));
    }

    private static void Append(List<byte> destination, byte tag, byte[] value)
    {
        destination.Add(tag);
        destination.Add((byte)value.Length);
        destination.AddRange(value);
    }
}

/// <summary>What <see cref="Provenance.Encode"/> produced.</summary>
/// <param name="Extra">The bytes for the header's <c>extra</c> attribute (at most 256).</param>
/// <param name="FullRecord">The full record; the same bytes as <paramref name="Extra"/> unless <paramref name="IsDigestForm"/>.</param>
/// <param name="IsDigestForm">The header holds the full record's SHA-256 instead of (some of) its fields: keep
/// <paramref name="FullRecord"/> elsewhere (the audit database) to be able to show them.</param>
public sealed record ProvenanceEncoding(byte[] Extra, byte[] FullRecord, bool IsDigestForm);

/// <summary>How header <c>extra</c> bytes decoded.</summary>
public enum ProvenanceStatus
{
    /// <summary>A version-1 record with every field the writer had.</summary>
    Complete,

    /// <summary>A version-1 digest form: the fields that fitted and the SHA-256 of the full record.</summary>
    Digest,

    /// <summary>The first byte is not a format version this code knows; only the raw bytes are shown.</summary>
    UnknownFormat,

    /// <summary>Version 1, but not a valid encoding; only the raw bytes are shown.</summary>
    Malformed,
}

/// <summary>Decoded header <c>extra</c> bytes.</summary>
/// <param name="Raw">The bytes as they are in the header.</param>
/// <param name="Status">Whether and how they decoded.</param>
/// <param name="Provenance">The fields, when <paramref name="Status"/> is Complete or Digest.</param>
/// <param name="RecordDigest">The SHA-256 of the full record in the digest form.</param>
/// <param name="Problem">Why the bytes did not decode.</param>
public sealed record ProvenanceInfo(byte[] Raw, ProvenanceStatus Status, Provenance? Provenance, Digest? RecordDigest, string? Problem)
{
    /// <summary>Whether <paramref name="fullRecord"/> (from the audit database) is the record the digest form stands for.</summary>
    public bool IsRecordOf(ReadOnlySpan<byte> fullRecord) => RecordDigest is { } digest && Digest.Compute(fullRecord) == digest;

    /// <summary>The provenance of a header, or null when it carries no <c>extra</c> bytes (version 0, or no provenance).</summary>
    public static ProvenanceInfo? Of(TxHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return header.Metadata?.Extra is { } extra ? Provenance.Decode(extra.Span) : null;
    }
}
