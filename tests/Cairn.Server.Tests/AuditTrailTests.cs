// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text.Json;
using Cairn.Client;
using Cairn.Engine.Audit;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>
/// The audit trail end to end: a scripted mix of logins and requests against the real server, then auditdb read
/// back as the admin (one record per event, every field, no values), verified with proofs and offline, refused
/// to writers, and the JSON-lines file holding the same records.
/// </summary>
public sealed class AuditTrailTests
{
    private const string ReaderPassword = "R3ader!pass";
    private const string Value = "V4lue-that-must-never-be-audited";
    private const string WrongPassword = "Wr0ng!secret";
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    private static readonly string[] Fields =
    [
        "v", "seq", "time", "action", "user", "address", "connection", "session", "database", "permission", "method",
        "keys", "keysTotal", "keysTruncated", "statement", "success", "error", "durationMs",
    ];

    [Fact]
    public async Task A_scripted_mix_gives_exactly_one_record_per_event_the_trail_verifies_and_nobody_writes_it()
    {
        using var folder = new TempFolder();
        string logFile = Path.Combine(folder.Path, "audit.jsonl");
        var started = DateTimeOffset.UtcNow;
        await using var server = await ServerProcess.StartAsync(Path.Combine(folder.Path, "data"), ["--audit-log", logFile]);
        var client = server.Client;

        // The script: one event each.
        var admin = await server.LoginAsync();
        await client.CreateUserAsync(new Wire.CreateUserRequest { User = B("reader"), Password = B(ReaderPassword), Permission = 1, Database = "defaultdb" }, admin);
        await Refused(StatusCode.Unauthenticated, async () => await client.LoginAsync(new Wire.LoginRequest { User = B("reader"), Password = B(WrongPassword) }));
        await Refused(StatusCode.Unauthenticated, async () => await client.LoginAsync(new Wire.LoginRequest { User = B("nobody"), Password = B(WrongPassword) }));
        await client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("audit-test:k1"), Value = B(Value) } } }, admin);
        var session = await client.OpenSessionAsync(new Wire.OpenSessionRequest { Username = B("reader"), Password = B(ReaderPassword), DatabaseName = "defaultdb" });
        var reader = new Metadata { { "sessionid", session.SessionID } };
        Assert.Equal(Value, S((await client.GetAsync(new Wire.KeyRequest { Key = B("audit-test:k1") }, reader)).Value));
        await Refused(StatusCode.PermissionDenied, async () => await client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("audit-test:k2"), Value = B(Value) } } }, reader));
        await Refused(StatusCode.Unauthenticated, async () => await client.GetAsync(new Wire.KeyRequest { Key = B("audit-test:forged") }, new Metadata { { "authorization", "Bearer forged" } }));

        // auditdb: listed for the admin only, readable by the admin, written by nobody.
        Assert.Contains("auditdb", (await client.DatabaseListAsync(Empty, admin)).Databases.Select(d => d.DatabaseName));
        Assert.DoesNotContain("auditdb", (await client.DatabaseListAsync(Empty, reader)).Databases.Select(d => d.DatabaseName));
        await Refused(StatusCode.PermissionDenied, async () => await client.UseDatabaseAsync(new Wire.Database { DatabaseName = "auditdb" }, reader));
        await Refused(StatusCode.InvalidArgument, async () => await client.CreateDatabaseAsync(new Wire.Database { DatabaseName = "auditdb" }, admin), "reserved");
        var audit = new Metadata { { "authorization", "Bearer " + (await client.UseDatabaseAsync(new Wire.Database { DatabaseName = "auditdb" }, admin)).Token } };
        const string AppendOnly = "the audit database is append-only and written by the server only";
        await Refused(StatusCode.PermissionDenied, async () => await client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("audit.00000000000000000001"), Value = B("{}") } } }, audit), AppendOnly);
        await Refused(StatusCode.PermissionDenied, async () => await client.VerifiableSetAsync(new Wire.VerifiableSetRequest { SetRequest = new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("x"), Value = B("y") } } } }, audit), AppendOnly);
        await Refused(StatusCode.PermissionDenied, async () => await client.DeleteAsync(new Wire.DeleteKeysRequest { Keys = { B("audit.00000000000000000001") } }, audit), AppendOnly);
        await Refused(StatusCode.PermissionDenied, async () => await client.ExecAllAsync(new Wire.ExecAllRequest { Operations = { new Wire.Op { Kv = new Wire.KeyValue { Key = B("x"), Value = B("y") } } } }, audit), AppendOnly);
        await Refused(StatusCode.PermissionDenied, async () => await client.ZAddAsync(new Wire.ZAddRequest { Set = B("s"), Key = B("audit.00000000000000000001"), Score = 1 }, audit), AppendOnly);
        await Refused(StatusCode.InvalidArgument, async () => await client.ChangePermissionAsync(new Wire.ChangePermissionRequest { Action = Wire.PermissionAction.Grant, Username = "reader", Database = "auditdb", Permission = 2 }, admin), "only the read permission");

        // Records are written in the background, in order: poll until the last call's record is in.
        var records = await PollAsync(client, audit, r => r.Is("query", "ChangePermission", "immudb") && !r.Ok);
        foreach (var record in records)
        {
            foreach (string field in Fields)
            {
                Assert.True(record.Json.TryGetProperty(field, out _), $"record {record.Raw} lacks {field}");
            }

            Assert.Equal(1, record.Json.GetProperty("v").GetInt32());
            Assert.StartsWith("ipv", record.Str("address"), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(record.Str("connection")), record.Raw);
            var time = DateTimeOffset.Parse(record.Str("time")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(time, started.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
            Assert.True(record.Json.GetProperty("durationMs").GetDouble() >= 0);
            Assert.Equal(record.Json.GetProperty("success").GetBoolean(), record.Json.GetProperty("error").ValueKind == JsonValueKind.Null);
            Assert.DoesNotContain(Value, record.Raw, StringComparison.Ordinal);
            Assert.DoesNotContain(ReaderPassword, record.Raw, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongPassword, record.Raw, StringComparison.Ordinal);
            Assert.DoesNotContain(session.SessionID, record.Raw, StringComparison.Ordinal);
        }

        // Sequence numbers run 1, 2, 3…; each entry holds a batch's records as JSON lines, keyed by its first one's.
        Assert.Equal(Enumerable.Range(1, records.Count).Select(i => (ulong)i), records.Select(r => r.Json.GetProperty("seq").GetUInt64()));
        Assert.All(records.GroupBy(r => r.Key), entry => Assert.Equal($"audit.{entry.First().Json.GetProperty("seq").GetUInt64():D20}", entry.Key));

        // Logins: one authentication record each, successes and failures.
        var adminLogin = Assert.Single(records, r => r.Is("authentication", "Login", "immudb"));
        Assert.True(adminLogin.Ok);
        var badPassword = Assert.Single(records, r => r.Is("authentication", "Login", "reader"));
        Assert.False(badPassword.Ok);
        Assert.Equal("invalid user name or password", badPassword.Str("error"));
        var unknown = Assert.Single(records, r => r.Is("authentication", "Login", "nobody"));
        Assert.False(unknown.Ok);
        var opened = Assert.Single(records, r => r.Is("authentication", "OpenSession", "reader"));
        Assert.True(opened.Ok);
        Assert.Equal(AuditEvent.SessionReference(session.SessionID), opened.Str("session"));
        Assert.Equal("defaultdb", opened.Str("database"));
        var forged = Assert.Single(records, r => r.Is("authentication", "Get", null));
        Assert.False(forged.Ok);
        Assert.Equal("not logged in", forged.Str("error"));
        Assert.Equal(["audit-test:forged"], forged.Keys);
        Assert.DoesNotContain(records, r => r.Str("action") != "authentication" && r.Keys.Contains("audit-test:forged"));

        // The admin's Set: allowed (readwrite checked), executed, keys named, the value not.
        var setAllowed = Assert.Single(records, r => r.Is("authorization", "Set", "immudb") && r.Keys.Contains("audit-test:k1"));
        Assert.True(setAllowed.Ok);
        Assert.Equal("readwrite", setAllowed.Str("permission"));
        Assert.Equal("defaultdb", setAllowed.Str("database"));
        var setDone = Assert.Single(records, r => r.Is("query", "Set", "immudb") && r.Keys.Contains("audit-test:k1"));
        Assert.True(setDone.Ok);
        Assert.Equal(["audit-test:k1"], setDone.Keys);
        Assert.Null(setDone.Str("session"));

        // The reader's Get in its session: allowed (read) and executed; its Set: denied, never executed.
        string sessionRef = AuditEvent.SessionReference(session.SessionID);
        var getAllowed = Assert.Single(records, r => r.Is("authorization", "Get", "reader"));
        Assert.True(getAllowed.Ok);
        Assert.Equal("read", getAllowed.Str("permission"));
        Assert.Equal(sessionRef, getAllowed.Str("session"));
        var getDone = Assert.Single(records, r => r.Is("query", "Get", "reader"));
        Assert.True(getDone.Ok);
        Assert.Equal(["audit-test:k1"], getDone.Keys);
        Assert.Equal(sessionRef, getDone.Str("session"));
        var setDenied = Assert.Single(records, r => r.Is("authorization", "Set", "reader"));
        Assert.False(setDenied.Ok);
        Assert.Equal("readwrite", setDenied.Str("permission"));
        Assert.Contains("Set requires the readwrite permission", setDenied.Str("error"), StringComparison.Ordinal);
        Assert.Equal(["audit-test:k2"], setDenied.Keys);
        Assert.DoesNotContain(records, r => r.Is("query", "Set", "reader"));

        // Administrative calls: the statement names the target, never the password.
        var createUser = Assert.Single(records, r => r.Is("query", "CreateUser", "immudb"));
        Assert.Equal("user reader permission read on defaultdb", createUser.Str("statement"));
        Assert.Equal("CREATE_USER", Assert.Single(records, r => r.Is("authorization", "CreateUser", "immudb")).Str("permission"));

        // Refused writes into auditdb are authorization denials of the admin.
        Assert.Equal(5, records.Count(r => r.Is("authorization", null, "immudb") && r.Str("database") == "auditdb" && !r.Ok && r.Str("error")!.Contains(AppendOnly, StringComparison.Ordinal)));
        Assert.All(records.Where(r => r.Str("database") == "auditdb" && r.Str("action") == "query"), r => Assert.NotEqual("Set", r.Str("method")));

        // auditdb verifies like any database: the client checks a dual proof for its state and some transactions.
        await using (var sdk = new CairnClient(new CairnClientOptions { Address = $"http://127.0.0.1:{server.Port}" }))
        {
            await sdk.LoginAsync("immudb", ServerProcess.AdminPassword, "auditdb");
            var state = await sdk.VerifiedStateAsync();
            Assert.True(state.TxId >= 2);
            for (ulong tx = 1; tx <= state.TxId; tx += Math.Max(1, state.TxId / 5))
            {
                Assert.Equal(tx, (await sdk.VerifiedTxByIdAsync(tx)).Header.Id);
            }

            var first = await sdk.VerifiedGetAsync(AuditTrail.Key(1));
            Assert.Equal(records[0].Raw, System.Text.Encoding.UTF8.GetString(AuditChunk.Records(first.Value)[0].Span));
        }

        // And the auditor audits it: consistency from its trusted state and re-read, verified transactions.
        var (auditorExit, auditorOutput) = await ServerProcess.RunToExitAsync(
        [
            "audit", "--once", "--address", $"127.0.0.1:{server.Port}", "--password", ServerProcess.AdminPassword,
            "--database", "auditdb", "--state-file", Path.Combine(folder.Path, "auditor", "state.json"),
        ]);
        Assert.True(auditorExit == 0, auditorOutput);

        // Read access can be granted (read only); the reader then sees auditdb.
        await client.ChangePermissionAsync(new Wire.ChangePermissionRequest { Action = Wire.PermissionAction.Grant, Username = "reader", Database = "auditdb", Permission = 1 }, admin);
        var readerAudit = new Metadata { { "authorization", "Bearer " + (await client.UseDatabaseAsync(new Wire.Database { DatabaseName = "auditdb" }, await server.LoginAsync("reader", ReaderPassword))).Token } };
        Assert.NotEmpty((await client.ScanAsync(new Wire.ScanRequest { Prefix = B("audit."), Limit = 5 }, readerAudit)).Entries_);
        await Refused(StatusCode.PermissionDenied, async () => await client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("x"), Value = B("y") } } }, readerAudit), AppendOnly);

        // Stopping drains the queue; then every record is in the file, byte for byte, and the folder verifies offline.
        Assert.Equal(0, await server.TerminateAsync());
        var lines = await File.ReadAllLinesAsync(logFile);
        Assert.Equal(Enumerable.Range(1, lines.Length).Select(i => (ulong)i), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetUInt64()));
        Assert.True(lines.Length > records.Count);
        Assert.Equal(records.Select(r => r.Raw), lines.Take(records.Count));
        Assert.DoesNotContain(lines, l => l.Contains(Value, StringComparison.Ordinal));
        var (exit, output) = await ServerProcess.RunToExitAsync(["admin", "verify", "--dir", server.DataDirectory]);
        Assert.True(exit == 0, output);
        Assert.Contains("auditdb", output, StringComparison.Ordinal);

        // A restart continues the sequence after the last record.
        await using var again = await ServerProcess.StartAsync(server.DataDirectory, ["--audit-log", logFile]);
        await again.LoginAsync();
        var auditAgain = new Metadata { { "authorization", "Bearer " + (await again.Client.UseDatabaseAsync(new Wire.Database { DatabaseName = "auditdb" }, await again.LoginAsync())).Token } };
        var afterRestart = await PollAsync(again.Client, auditAgain, r => r.Json.GetProperty("seq").GetUInt64() > (ulong)lines.Length);
        Assert.Equal(Enumerable.Range(1, afterRestart.Count).Select(i => (ulong)i), afterRestart.Select(r => r.Json.GetProperty("seq").GetUInt64()));
    }

    [Fact]
    public async Task With_audit_off_nothing_is_recorded_and_auditdb_still_refuses_writes()
    {
        await using var server = await ServerProcess.StartAsync(arguments: ["--audit", "off"]);
        var admin = await server.LoginAsync();
        await server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("k"), Value = B("v") } } }, admin);
        var audit = new Metadata { { "authorization", "Bearer " + (await server.Client.UseDatabaseAsync(new Wire.Database { DatabaseName = "auditdb" }, admin)).Token } };
        await Task.Delay(300);
        Assert.Empty((await server.Client.ScanAsync(new Wire.ScanRequest { Prefix = B("audit.") }, audit)).Entries_);
        await Refused(StatusCode.PermissionDenied, async () => await server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("x"), Value = B("y") } } }, audit));
    }

    private static async Task<List<Record>> PollAsync(Wire.ImmuService.ImmuServiceClient client, Metadata audit, Func<Record, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var entries = (await client.ScanAsync(new Wire.ScanRequest { Prefix = B("audit."), Limit = 1000 }, audit)).Entries_;
            var records = entries.SelectMany(e => AuditChunk.Records(e.Value.Memory).Select(r => new Record(S(e.Key), System.Text.Encoding.UTF8.GetString(r.Span)))).ToList();
            if (records.Any(until))
            {
                return records;
            }

            Assert.True(DateTime.UtcNow < deadline, "the audit records did not appear within 20 s");
            await Task.Delay(50);
        }
    }

    private sealed class Record(string key, string raw)
    {
        public string Key { get; } = key;

        public string Raw { get; } = raw;

        public JsonElement Json { get; } = JsonDocument.Parse(raw).RootElement;

        public bool Ok => Json.GetProperty("success").GetBoolean();

        public List<string> Keys => [.. Json.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!)];

        public string? Str(string name) => Json.GetProperty(name).GetString();

        public bool Is(string action, string? method, string? user) =>
            Str("action") == action && (method is null || Str("method") == method) && Str("user") == user;
    }
}
