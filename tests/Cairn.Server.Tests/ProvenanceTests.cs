// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Client;
using Cairn.Verification;
using Google.Protobuf;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>
/// Provenance in the hashed header (docs/formats/provenance.md) against the real server: what a write records,
/// how it is read back, that the SDK verifies it, that one altered byte of it fails verification, the digest
/// form, and version-0 headers when provenance is off.
/// </summary>
public sealed class ProvenanceTests : IClassFixture<SharedServer>
{
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();
    private readonly SharedServer _shared;

    public ProvenanceTests(SharedServer shared) => _shared = shared;

    private ServerProcess Server => _shared.Server;

    private static Metadata With(Metadata credentials, params (string Key, string Value)[] extra)
    {
        var headers = new Metadata();
        foreach (var entry in credentials)
        {
            headers.Add(entry);
        }

        foreach (var (key, value) in extra)
        {
            headers.Add(key, value);
        }

        return headers;
    }

    private static Provenance Decoded(Wire.TxHeader header, ProvenanceStatus expected = ProvenanceStatus.Complete)
    {
        Assert.Equal(1, header.Version);
        Assert.NotNull(header.Metadata);
        var info = Provenance.Decode(header.Metadata.Extra.Span);
        Assert.Equal(expected, info.Status);
        return info.Provenance!;
    }

    [Fact]
    public async Task A_write_records_user_address_session_origin_and_request_id_and_tx_reads_return_them()
    {
        // Token mode: no session.
        var set = await Server.Client.SetAsync(
            new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("pv:token"), Value = B("1") } } },
            With(_shared.Admin, ("x-cairn-origin", "billing-service"), ("x-request-id", "req-42")));
        var recorded = Decoded(set);
        Assert.Equal("immudb", recorded.User);
        Assert.Matches(@"^ipv[46]:.*127\.0\.0\.1.*:\d+$", recorded.ClientAddress);
        Assert.Null(recorded.SessionId);
        Assert.Equal("billing-service", recorded.Origin);
        Assert.Equal("req-42", recorded.RequestId);

        var tx = await Server.Client.TxByIdAsync(new Wire.TxRequest { Tx = set.Id }, _shared.Admin);
        Assert.Equal(recorded, Decoded(tx.Header));
        var scanned = await Server.Client.TxScanAsync(new Wire.TxScanRequest { InitialTx = set.Id, Limit = 1 }, _shared.Admin);
        Assert.Equal(recorded, Decoded(scanned.Txs[0].Header));

        // History entries carry no header (immudb's Entry has no such field): the provenance is the entry's tx's.
        var history = await Server.Client.HistoryAsync(new Wire.HistoryRequest { Key = B("pv:token") }, _shared.Admin);
        Assert.Equal(set.Id, history.Entries_.Single().Tx);

        // Session mode: the session is recorded as the first 16 bytes of its id's SHA-256, never the id itself.
        var session = await Server.Client.OpenSessionAsync(new Wire.OpenSessionRequest { Username = B("immudb"), Password = B(ServerProcess.AdminPassword), DatabaseName = "defaultdb" });
        var sessionHeaders = new Metadata { { "sessionid", session.SessionID } };
        try
        {
            var inSession = await Server.Client.ExecAllAsync(
                new Wire.ExecAllRequest { Operations = { new Wire.Op { Kv = new Wire.KeyValue { Key = B("pv:session"), Value = B("2") } } } }, sessionHeaders);
            var bySession = Decoded(inSession);
            string expectedTag = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(session.SessionID)).AsSpan(0, 16));
            Assert.Equal(expectedTag, bySession.SessionId);
            Assert.DoesNotContain(session.SessionID, System.Text.Encoding.UTF8.GetString(inSession.Metadata.Extra.Span), StringComparison.Ordinal);
            Assert.Null(bySession.Origin);
        }
        finally
        {
            await Server.Client.CloseSessionAsync(Empty, sessionHeaders);
        }
    }

    [Fact]
    public async Task Every_write_method_records_provenance()
    {
        var admin = With(_shared.Admin, ("x-request-id", "every"));
        await Server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("pv:target"), Value = B("t") } } }, admin);
        var headers = new List<Wire.TxHeader>
        {
            await Server.Client.SetReferenceAsync(new Wire.ReferenceRequest { Key = B("pv:ref"), ReferencedKey = B("pv:target") }, admin),
            await Server.Client.ZAddAsync(new Wire.ZAddRequest { Set = B("pv:set"), Score = 1, Key = B("pv:target") }, admin),
            await Server.Client.DeleteAsync(new Wire.DeleteKeysRequest { Keys = { B("pv:ref") } }, admin),
            (await Server.Client.VerifiableSetAsync(new Wire.VerifiableSetRequest { SetRequest = new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("pv:v"), Value = B("v") } } } }, admin)).Tx.Header,
            (await Server.Client.VerifiableSetReferenceAsync(new Wire.VerifiableReferenceRequest { ReferenceRequest = new Wire.ReferenceRequest { Key = B("pv:ref2"), ReferencedKey = B("pv:target") } }, admin)).Tx.Header,
            (await Server.Client.VerifiableZAddAsync(new Wire.VerifiableZAddRequest { ZAddRequest = new Wire.ZAddRequest { Set = B("pv:set"), Score = 2, Key = B("pv:v") } }, admin)).Tx.Header,
        };
        Assert.All(headers, h => Assert.Equal("every", Decoded(h).RequestId));

        // SetReference keeps its rule that boundRef goes with atTx (ExecAll would bind it to its own tx).
        await Refused(StatusCode.InvalidArgument, async () => await Server.Client.SetReferenceAsync(new Wire.ReferenceRequest { Key = B("pv:bad"), ReferencedKey = B("pv:target"), BoundRef = true }, admin), "boundRef");
    }

    [Fact]
    public async Task Client_supplied_fields_are_validated()
    {
        var kv = new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("pv:invalid"), Value = B("x") } } };
        await Refused(StatusCode.InvalidArgument, async () => await Server.Client.SetAsync(kv, With(_shared.Admin, ("x-cairn-origin", new string('o', 256)))), "x-cairn-origin is longer than 255 bytes");
        var twice = await Server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("pv:twice"), Value = B("x") } } }, With(_shared.Admin, ("x-request-id", "a"), ("x-request-id", "b")));
        Assert.Equal("a, b", Decoded(twice).RequestId); // HTTP joins a repeated header; that is what is recorded
        await Refused(StatusCode.Unknown, async () => await Server.Client.GetAsync(new Wire.KeyRequest { Key = B("pv:invalid") }, _shared.Admin), "key not found");
    }

    [Fact]
    public async Task An_oversized_record_puts_its_digest_in_the_header_and_the_full_record_in_the_archive()
    {
        string origin = new('o', 250);
        var set = await Server.Client.SetAsync(
            new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("pv:large"), Value = B("1") } } },
            With(_shared.Admin, ("x-cairn-origin", origin), ("x-request-id", "big-1")));
        Assert.True(set.Metadata.Extra.Length <= TxMetadata.MaxExtraSize);
        var shown = Decoded(set, ProvenanceStatus.Digest);
        Assert.Equal("immudb", shown.User);
        Assert.Null(shown.Origin);
        Assert.Equal("big-1", shown.RequestId);

        // The full record is archived in auditdb; the header's digest proves it is the one written.
        var info = Provenance.Decode(set.Metadata.Extra.Span);
        var audit = await Server.Client.UseDatabaseAsync(new Wire.Database { DatabaseName = "auditdb" }, _shared.Admin);
        var onAudit = new Metadata { { "authorization", "Bearer " + audit.Token } };
        string marker = $"tx {set.Id}{Cairn.Engine.Audit.AuditProvenanceArchive.RecordMarker}";
        string? statement = null;
        for (int i = 0; i < 100 && statement is null; i++)
        {
            var records = await Server.Client.ScanAsync(new Wire.ScanRequest { Prefix = B("audit."), Desc = true, Limit = 200 }, onAudit);
            statement = records.Entries_
                .SelectMany(e => Cairn.Engine.Audit.AuditChunk.Records(e.Value.Memory))
                .Select(r => System.Text.Json.JsonDocument.Parse(r).RootElement)
                .Where(r => r.GetProperty("method").GetString() == Cairn.Engine.Audit.AuditProvenanceArchive.Method && r.GetProperty("database").GetString() == "defaultdb")
                .Select(r => r.GetProperty("statement").GetString())
                .FirstOrDefault(t => t is not null && t.StartsWith(marker, StringComparison.Ordinal));
            if (statement is null)
            {
                await Task.Delay(50);
            }
        }

        Assert.True(statement is not null, "the full record must be archived in auditdb");
        byte[] record = Convert.FromBase64String(statement![marker.Length..]);
        Assert.True(info.IsRecordOf(record));
        Assert.Equal(shown with { Origin = origin }, Provenance.ParseFullRecord(record));
    }

    [Fact]
    public async Task The_SDK_verifies_version_1_headers_with_provenance_and_returns_it()
    {
        await using var client = new CairnClient(new CairnClientOptions { Address = $"http://127.0.0.1:{Server.Port}", Origin = "sdk-test" });
        await client.OpenSessionAsync("immudb", ServerProcess.AdminPassword);
        var header = await client.VerifiedSetAsync("pv:sdk"u8.ToArray(), "1"u8.ToArray());
        Assert.Equal(TxHeader.Version1, header.Version);
        var entry = await client.VerifiedGetAsync("pv:sdk"u8.ToArray());
        Assert.Equal(header.Id, entry.TxId);

        var tx = await client.VerifiedTxByIdAsync(header.Id);
        Assert.Equal(ProvenanceStatus.Complete, tx.Provenance!.Status);
        Assert.Equal("sdk-test", tx.Provenance.Provenance!.Origin);
        Assert.Equal("immudb", tx.Provenance.Provenance.User);
        Assert.NotNull(tx.Provenance.Provenance.SessionId);
        Assert.Equal(tx.Provenance.Provenance, (await client.TxByIdAsync(header.Id)).Provenance!.Provenance);
        await client.LogoutAsync();
    }

    [Fact]
    public async Task One_altered_byte_of_provenance_fails_verification()
    {
        var admin = With(_shared.Admin, ("x-cairn-origin", "tamper-test"));
        var holder = new TrustedStateHolder();
        holder.Bootstrap(Server.Identity, WireProofs.State(await Server.Client.CurrentStateAsync(Empty, admin)));
        ulong trusted = holder.Get(Server.Identity, "defaultdb")!.TxId;
        var reply = await Server.Client.VerifiableSetAsync(new Wire.VerifiableSetRequest
        {
            SetRequest = new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("pv:tamper"), Value = B("1") } } },
            ProveSinceTx = trusted,
        }, admin);
        Assert.Equal("tamper-test", Decoded(reply.Tx.Header).Origin);

        for (int at = 0; at < reply.Tx.Header.Metadata.Extra.Length; at += 7)
        {
            var forged = reply.Clone();
            var extra = forged.Tx.Header.Metadata.Extra.ToByteArray();
            extra[at] ^= 0x20;
            forged.Tx.Header.Metadata.Extra = ByteString.CopyFrom(extra);
            forged.DualProof.TargetTxHeader.Metadata.Extra = ByteString.CopyFrom(extra); // a consistent lie
            var failure = Assert.Throws<IntegrityException>(() => VerifiedReplies.VerifyTx(holder, Server.Identity, "defaultdb", forged));
            Assert.NotNull(failure.Message);
            Assert.Equal(trusted, holder.Get(Server.Identity, "defaultdb")!.TxId);
        }

        // The untouched reply verifies and moves trust to it.
        var verified = VerifiedReplies.VerifyTx(holder, Server.Identity, "defaultdb", reply);
        Assert.Equal(reply.Tx.Header.Id, holder.Get(Server.Identity, "defaultdb")!.TxId);
        Assert.Equal("tamper-test", ProvenanceInfo.Of(verified)!.Provenance!.Origin);
    }

    [Fact]
    public async Task With_provenance_off_headers_are_version_0_and_per_database_off_works()
    {
        await using var off = await ServerProcess.StartAsync(arguments: ["--provenance", "off"]);
        var admin = await off.LoginAsync();
        var set = await off.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("pv:off"), Value = B("1") } } }, With(admin, ("x-cairn-origin", "ignored")));
        Assert.Equal(0, set.Version);
        Assert.Null(set.Metadata);
        Assert.Contains("provenance = off", off.Output, StringComparison.Ordinal);

        await using var mixed = await ServerProcess.StartAsync(arguments: ["--provenance-off-databases", "legacy"]);
        var root = await mixed.LoginAsync();
        await mixed.Client.CreateDatabaseV2Async(new Wire.CreateDatabaseRequest { Name = "legacy" }, root);
        var legacy = await mixed.LoginAsync(database: "legacy");
        Assert.Equal(0, (await mixed.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("k"), Value = B("1") } } }, legacy)).Version);
        Assert.Equal(1, (await mixed.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("k"), Value = B("1") } } }, root)).Version);
    }
}
