// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cairn.Engine.Audit;

/// <summary>What an audit record is about.</summary>
public enum AuditAction
{
    /// <summary>A credential check (Login, OpenSession) or a refused token or session.</summary>
    Authentication,

    /// <summary>A permission decision on a request: allowed or denied.</summary>
    Authorization,

    /// <summary>A request that was executed, successfully or not.</summary>
    Query,
}

/// <summary>
/// One audit event as the request path reports it. It names the request (method, keys or statement) and never
/// carries values, passwords or tokens; the trail adds the sequence number when it writes the record.
/// </summary>
public sealed record AuditEvent
{
    /// <summary>The record format version written as <c>v</c>.</summary>
    public const int FormatVersion = 1;

    /// <summary>Authentication, authorization or query.</summary>
    public required AuditAction Action { get; init; }

    /// <summary>The user (for a refused login, the name given); null when unknown.</summary>
    public string? User { get; init; }

    /// <summary>The client address (gRPC peer, e.g. <c>ipv4:127.0.0.1:50000</c>).</summary>
    public string? Address { get; init; }

    /// <summary>The transport connection id.</summary>
    public string? Connection { get; init; }

    /// <summary>The session reference (<see cref="SessionReference"/>), never the session id itself.</summary>
    public string? Session { get; init; }

    /// <summary>The database the request acts on.</summary>
    public string? Database { get; init; }

    /// <summary>The permission checked (read, readwrite, admin, sysadmin, login, none).</summary>
    public string? Permission { get; init; }

    /// <summary>The method (e.g. <c>Set</c>).</summary>
    public string? Method { get; init; }

    /// <summary>The keys the request names (at most <see cref="AuditKeys.MaxKeys"/>), as <see cref="AuditKeys"/> formats them.</summary>
    public IReadOnlyList<string>? Keys { get; init; }

    /// <summary>How many keys the request named, <see cref="Keys"/> being capped.</summary>
    public int KeysTotal { get; init; }

    /// <summary>What the request names besides keys (a tx id, a user or database name, a prefix); never values.</summary>
    public string? Statement { get; init; }

    /// <summary>Whether the attempt, decision or request succeeded.</summary>
    public bool Success { get; init; }

    /// <summary>The error the client got, when it failed.</summary>
    public string? Error { get; init; }

    /// <summary>From the call's start to its end.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>When the call started.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>
    /// A stable reference to a session for audit records: a session id is a bearer secret, so records carry the
    /// first 16 hex digits of its SHA-256 instead.
    /// </summary>
    public static string SessionReference(string sessionId)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(sessionId), hash);
        return "s-" + Convert.ToHexStringLower(hash[..8]);
    }

    /// <summary>
    /// The record's JSON without its leading <c>v</c> and <c>seq</c>, which <see cref="WriteNumbered"/> adds once
    /// the trail numbers the record.
    /// </summary>
    public byte[] ToJsonBody() => WriteJsonBody().ToArray();

    /// <summary>
    /// <see cref="ToJsonBody"/> in a buffer of the calling thread, valid until its next call on that thread: the
    /// request path serializes at once and copies the bytes into the trail's queue, allocating nothing per record.
    /// </summary>
    internal ReadOnlySpan<byte> WriteJsonBody()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var json = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        json.Reset(buffer);
        json.WriteStartObject();

        // Round-trip format ("O", a fast path) gives seven fractional digits; records keep six.
        Span<char> time = stackalloc char[40];
        Time.UtcDateTime.TryFormat(time, out _, "O", CultureInfo.InvariantCulture);
        time[26] = 'Z';
        json.WriteString(Names.Time, time[..27]);
        json.WriteString(Names.Action, Action switch
        {
            AuditAction.Authentication => Names.Authentication,
            AuditAction.Authorization => Names.Authorization,
            _ => Names.Query,
        });
        json.WriteString(Names.User, User);
        json.WriteString(Names.Address, Address);
        json.WriteString(Names.Connection, Connection);
        json.WriteString(Names.Session, Session);
        json.WriteString(Names.Database, Database);
        json.WriteString(Names.Permission, Permission);
        json.WriteString(Names.Method, Method);
        json.WriteStartArray(Names.Keys);
        int listed = Keys?.Count ?? 0;
        for (int i = 0; i < listed; i++)
        {
            json.WriteStringValue(Keys![i]);
        }

        json.WriteEndArray();
        json.WriteNumber(Names.KeysTotal, Math.Max(KeysTotal, listed));
        json.WriteBoolean(Names.KeysTruncated, KeysTotal > listed);
        json.WriteString(Names.Statement, Statement);
        json.WriteBoolean(Names.Success, Success);
        json.WriteString(Names.Error, Error);
        json.WriteNumber(Names.DurationMs, Math.Round(Duration.TotalMilliseconds, 3));
        json.WriteEndObject();
        json.Flush();
        return buffer.WrittenSpan;
    }

    // Only what JSON itself requires is escaped: the default encoder also escapes HTML-sensitive characters, which
    // turned every '+' of a base64 key into \u002B and sent every such record down the slow escaping path. Records
    // are never embedded in HTML; non-ASCII names stay readable UTF-8.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Field names and fixed values, encoded once.
    private static class Names
    {
        public static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");
        public static readonly JsonEncodedText Action = JsonEncodedText.Encode("action");
        public static readonly JsonEncodedText Authentication = JsonEncodedText.Encode("authentication");
        public static readonly JsonEncodedText Authorization = JsonEncodedText.Encode("authorization");
        public static readonly JsonEncodedText Query = JsonEncodedText.Encode("query");
        public static readonly JsonEncodedText User = JsonEncodedText.Encode("user");
        public static readonly JsonEncodedText Address = JsonEncodedText.Encode("address");
        public static readonly JsonEncodedText Connection = JsonEncodedText.Encode("connection");
        public static readonly JsonEncodedText Session = JsonEncodedText.Encode("session");
        public static readonly JsonEncodedText Database = JsonEncodedText.Encode("database");
        public static readonly JsonEncodedText Permission = JsonEncodedText.Encode("permission");
        public static readonly JsonEncodedText Method = JsonEncodedText.Encode("method");
        public static readonly JsonEncodedText Keys = JsonEncodedText.Encode("keys");
        public static readonly JsonEncodedText KeysTotal = JsonEncodedText.Encode("keysTotal");
        public static readonly JsonEncodedText KeysTruncated = JsonEncodedText.Encode("keysTruncated");
        public static readonly JsonEncodedText Statement = JsonEncodedText.Encode("statement");
        public static readonly JsonEncodedText Success = JsonEncodedText.Encode("success");
        public static readonly JsonEncodedText Error = JsonEncodedText.Encode("error");
        public static readonly JsonEncodedText DurationMs = JsonEncodedText.Encode("durationMs");
    }

    /// <summary>The length of the whole record <see cref="WriteNumbered"/> makes of <paramref name="body"/>.</summary>
    public static int NumberedLength(ReadOnlySpan<byte> body, ulong sequence) =>
        NumberedPrefixLength + CountDigits(sequence) + body.Length - 1;

    /// <summary>
    /// Writes the whole record, <c>{"v":1,"seq":N,</c> then the body's fields, into <paramref name="destination"/>;
    /// returns its length.
    /// </summary>
    public static int WriteNumbered(ReadOnlySpan<byte> body, ulong sequence, Span<byte> destination)
    {
        if (body.Length < 2 || body[0] != (byte)'{')
        {
            throw new ArgumentException("not a record body", nameof(body));
        }

        if (!System.Text.Unicode.Utf8.TryWrite(destination, CultureInfo.InvariantCulture, $"{{\"v\":{FormatVersion},\"seq\":{sequence},", out int length))
        {
            throw new ArgumentException("destination too small", nameof(destination));
        }

        body[1..].CopyTo(destination[length..]);
        return length + body.Length - 1;
    }

    // {"v":1,"seq":  and the comma after the number.
    private const int NumberedPrefixLength = 14;

    private static int CountDigits(ulong value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;
}

/// <summary>How keys appear in audit records: UTF-8 text, or <c>base64:…</c> when not UTF-8; capped in number and length.</summary>
public static class AuditKeys
{
    /// <summary>Most keys listed in one record; the total is recorded as well.</summary>
    public const int MaxKeys = 32;

    /// <summary>Longest key text; longer ones end with <c>…</c>.</summary>
    public const int MaxKeyChars = 256;

    /// <summary>The key as recorded.</summary>
    public static string Format(ReadOnlySpan<byte> key)
    {
        // Checked, not caught: binary keys are common and an exception per key would cost more than the write.
        string text = System.Text.Unicode.Utf8.IsValid(key) ? Encoding.UTF8.GetString(key) : "base64:" + Convert.ToBase64String(key);

        return text.Length <= MaxKeyChars ? text : string.Concat(text.AsSpan(0, MaxKeyChars), "…");
    }

    /// <summary>The first <see cref="MaxKeys"/> keys formatted, and how many there were.</summary>
    public static (IReadOnlyList<string> Keys, int Total) Capped<T>(IReadOnlyCollection<T> keys, Func<T, ReadOnlyMemory<byte>> bytes)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(bytes);
        var list = new List<string>(Math.Min(keys.Count, MaxKeys));
        foreach (var key in keys)
        {
            if (list.Count == MaxKeys)
            {
                break;
            }

            list.Add(Format(bytes(key).Span));
        }

        return (list, keys.Count);
    }
}
