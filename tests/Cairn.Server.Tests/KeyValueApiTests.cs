// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Google.Protobuf;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>Every key-value, transaction and database RPC against the real server over a real socket.</summary>
public sealed class KeyValueApiTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private Wire.ImmuService.ImmuServiceClient Client => shared.Server.Client;

    private Metadata Admin => shared.Admin;

    [Fact]
    public async Task Health_needs_no_login_and_every_answer_carries_the_server_identity()
    {
        var call = Client.HealthAsync(new Google.Protobuf.WellKnownTypes.Empty());
        var health = await call;
        Assert.True(health.Status);
        Assert.False(string.IsNullOrEmpty(health.Version));
        Assert.Equal(shared.Server.Identity, (await call.ResponseHeadersAsync).GetValue("immudb-uuid"));
        Assert.Equal(20, shared.Server.Identity.Length);

        // Refusals carry it too.
        var refused = Client.GetAsync(new Wire.KeyRequest { Key = B("x") });
        var e = await Assert.ThrowsAsync<RpcException>(async () => await refused);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Equal("not logged in", e.Status.Detail);
        Assert.Equal(shared.Server.Identity, e.Trailers.GetValue("immudb-uuid") ?? (await refused.ResponseHeadersAsync).GetValue("immudb-uuid"));
    }

    [Fact]
    public async Task Set_get_getAll_history_scan_and_count()
    {
        var first = await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("kv:a"), Value = B("1") }, new Wire.KeyValue { Key = B("kv:b"), Value = B("2") } } }, Admin);
        Assert.Equal(2, first.Nentries);
        Assert.Equal(first.Id - 1, first.BlTxId);
        Assert.Equal(32, first.BlRoot.Length);
        Assert.Equal(32, first.PrevAlh.Length);
        Assert.Equal(1, first.Version); // provenance is on by default: version-1 headers
        var second = await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("kv:a"), Value = B("3") } } }, Admin);
        Assert.Equal(first.Id + 1, second.Id);

        var latest = await Client.GetAsync(new Wire.KeyRequest { Key = B("kv:a") }, Admin);
        Assert.Equal("3", S(latest.Value));
        Assert.Equal(second.Id, latest.Tx);
        Assert.Equal(2UL, latest.Revision);
        var atTx = await Client.GetAsync(new Wire.KeyRequest { Key = B("kv:a"), AtTx = first.Id }, Admin);
        Assert.Equal("1", S(atTx.Value));
        var atRevision = await Client.GetAsync(new Wire.KeyRequest { Key = B("kv:a"), AtRevision = 1 }, Admin);
        Assert.Equal("1", S(atRevision.Value));

        var all = await Client.GetAllAsync(new Wire.KeyListRequest { Keys = { B("kv:b"), B("kv:a") } }, Admin);
        Assert.Equal(["2", "3"], all.Entries_.Select(e => S(e.Value)));

        var history = await Client.HistoryAsync(new Wire.HistoryRequest { Key = B("kv:a") }, Admin);
        Assert.Equal(["1", "3"], history.Entries_.Select(e => S(e.Value)));
        var historyDesc = await Client.HistoryAsync(new Wire.HistoryRequest { Key = B("kv:a"), Desc = true, Limit = 1 }, Admin);
        Assert.Equal(["3"], historyDesc.Entries_.Select(e => S(e.Value)));

        var scan = await Client.ScanAsync(new Wire.ScanRequest { Prefix = B("kv:") }, Admin);
        Assert.Equal(["kv:a", "kv:b"], scan.Entries_.Select(e => S(e.Key)));
        var scanDesc = await Client.ScanAsync(new Wire.ScanRequest { Prefix = B("kv:"), Desc = true, Limit = 1 }, Admin);
        Assert.Equal(["kv:b"], scanDesc.Entries_.Select(e => S(e.Key)));

        Assert.Equal(2UL, (await Client.CountAsync(new Wire.KeyPrefix { Prefix = B("kv:") }, Admin)).Count);
        Assert.True((await Client.CountAllAsync(new Google.Protobuf.WellKnownTypes.Empty(), Admin)).Count >= 2);
    }

    [Fact]
    public async Task References_and_sorted_sets()
    {
        var target = await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("ref:target"), Value = B("v1") } } }, Admin);
        var reference = await Client.SetReferenceAsync(new Wire.ReferenceRequest { Key = B("ref:alias"), ReferencedKey = B("ref:target") }, Admin);
        var resolved = await Client.GetAsync(new Wire.KeyRequest { Key = B("ref:alias") }, Admin);
        Assert.Equal("ref:target", S(resolved.Key));
        Assert.Equal("v1", S(resolved.Value));
        Assert.Equal(target.Id, resolved.Tx);
        Assert.Equal("ref:alias", S(resolved.ReferencedBy.Key));
        Assert.Equal(reference.Id, resolved.ReferencedBy.Tx);

        await Refused(StatusCode.FailedPrecondition, async () => await Client.SetReferenceAsync(
            new Wire.ReferenceRequest { Key = B("ref:target"), ReferencedKey = B("ref:alias") }, Admin), "final key cannot be converted into a reference");
        await Refused(StatusCode.Unknown, async () => await Client.SetReferenceAsync(
            new Wire.ReferenceRequest { Key = B("ref:x"), ReferencedKey = B("ref:missing") }, Admin), "key not found");

        await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("z:m1"), Value = B("a") }, new Wire.KeyValue { Key = B("z:m2"), Value = B("b") } } }, Admin);
        await Client.ZAddAsync(new Wire.ZAddRequest { Set = B("z:set"), Score = 2, Key = B("z:m1") }, Admin);
        await Client.ZAddAsync(new Wire.ZAddRequest { Set = B("z:set"), Score = 1, Key = B("z:m2") }, Admin);
        var members = await Client.ZScanAsync(new Wire.ZScanRequest { Set = B("z:set") }, Admin);
        Assert.Equal(["z:m2", "z:m1"], members.Entries.Select(e => S(e.Key)));
        Assert.Equal([1.0, 2.0], members.Entries.Select(e => e.Score));
        Assert.Equal("b", S(members.Entries[0].Entry.Value));
        var filtered = await Client.ZScanAsync(new Wire.ZScanRequest { Set = B("z:set"), MinScore = new Wire.Score { Score_ = 1.5 } }, Admin);
        Assert.Equal(["z:m1"], filtered.Entries.Select(e => S(e.Key)));
        var desc = await Client.ZScanAsync(new Wire.ZScanRequest { Set = B("z:set"), Desc = true }, Admin);
        Assert.Equal(["z:m1", "z:m2"], desc.Entries.Select(e => S(e.Key)));
    }

    [Fact]
    public async Task ExecAll_delete_and_transactions()
    {
        await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("ex:base"), Value = B("0") } } }, Admin);
        var exec = await Client.ExecAllAsync(new Wire.ExecAllRequest
        {
            Operations =
            {
                new Wire.Op { Kv = new Wire.KeyValue { Key = B("ex:k"), Value = B("v") } },
                new Wire.Op { Ref = new Wire.ReferenceRequest { Key = B("ex:r"), ReferencedKey = B("ex:k") } },
                new Wire.Op { ZAdd = new Wire.ZAddRequest { Set = B("ex:s"), Score = 5, Key = B("ex:base") } },
            },
        }, Admin);
        Assert.Equal(3, exec.Nentries);

        var tx = await Client.TxByIdAsync(new Wire.TxRequest { Tx = exec.Id }, Admin);
        Assert.Equal(exec.Id, tx.Header.Id);
        Assert.Equal(3, tx.Entries.Count);
        Assert.Equal(0, tx.Entries[0].Key[0]);
        Assert.Equal("ex:k", System.Text.Encoding.UTF8.GetString(tx.Entries[0].Key.Span[1..]));
        Assert.All(tx.Entries, e => Assert.Equal(32, e.HValue.Length));
        Assert.All(tx.Entries, e => Assert.Null(e.Metadata));

        var scan = await Client.TxScanAsync(new Wire.TxScanRequest { InitialTx = exec.Id - 1, Limit = 2 }, Admin);
        Assert.Equal([exec.Id - 1, exec.Id], scan.Txs.Select(t => t.Header.Id));

        var deleted = await Client.DeleteAsync(new Wire.DeleteKeysRequest { Keys = { B("ex:k") } }, Admin);
        Assert.Equal(1, deleted.Version);
        await Refused(StatusCode.Unknown, async () => await Client.GetAsync(new Wire.KeyRequest { Key = B("ex:k") }, Admin), "key not found");

        // immudb-node 1.1.1 sends every op as an empty reference: refused, nothing written.
        await Refused(StatusCode.InvalidArgument, async () => await Client.ExecAllAsync(new Wire.ExecAllRequest { Operations = { new Wire.Op { Ref = new Wire.ReferenceRequest() } } }, Admin));
        await Refused(StatusCode.InvalidArgument, async () => await Client.ExecAllAsync(new Wire.ExecAllRequest(), Admin));
    }

    [Fact]
    public async Task Errors_keep_immudb_texts_and_limits_are_enforced()
    {
        await Refused(StatusCode.Unknown, async () => await Client.GetAsync(new Wire.KeyRequest { Key = B("err:none") }, Admin), "key not found");
        await Refused(StatusCode.InvalidArgument, async () => await Client.GetAsync(new Wire.KeyRequest(), Admin), "illegal arguments");
        await Refused(StatusCode.Unknown, async () => await Client.TxByIdAsync(new Wire.TxRequest { Tx = 1_000_000 }, Admin), "tx not found");
        await Refused(StatusCode.InvalidArgument, async () => await Client.TxByIdAsync(new Wire.TxRequest { Tx = 0 }, Admin), "illegal arguments");
        await Refused(StatusCode.InvalidArgument, async () => await Client.ScanAsync(new Wire.ScanRequest { Limit = 1001 }, Admin), "max key scan limit exceeded");
        await Refused(StatusCode.InvalidArgument, async () => await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = ByteString.CopyFrom(new byte[1024]), Value = B("v") } } }, Admin), "max key length exceeded");
        await Refused(StatusCode.InvalidArgument, async () => await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("d"), Value = B("1") }, new Wire.KeyValue { Key = B("d"), Value = B("2") } } }, Admin), "duplicated key");
        var tooMany = new Wire.SetRequest();
        for (int i = 0; i < 1025; i++)
        {
            tooMany.KVs.Add(new Wire.KeyValue { Key = B($"many:{i}"), Value = B("v") });
        }

        await Refused(StatusCode.InvalidArgument, async () => await Client.SetAsync(tooMany, Admin), "max number of entries per tx exceeded");
        await Refused(StatusCode.InvalidArgument, async () => await Client.SetAsync(new Wire.SetRequest(), Admin));
        await Refused(StatusCode.Unauthenticated, async () => await Client.SetAsync(new Wire.SetRequest(), new Metadata { { "authorization", "Bearer forged" } }), "not logged in");
        await Refused(StatusCode.Unimplemented, async () => await Client.UpdateAuthConfigAsync(new Wire.AuthConfig(), Admin), "operation not supported");

        // A method the service does not have.
        var unknown = new Method<Google.Protobuf.WellKnownTypes.Empty, Google.Protobuf.WellKnownTypes.Empty>(MethodType.Unary, "immudb.schema.ImmuService", "NoSuchMethod",
            Marshallers.Create(m => m.ToByteArray(), Google.Protobuf.WellKnownTypes.Empty.Parser.ParseFrom), Marshallers.Create(m => m.ToByteArray(), Google.Protobuf.WellKnownTypes.Empty.Parser.ParseFrom));
        await Refused(StatusCode.Unimplemented, async () => await shared.Server.Channel.CreateCallInvoker().AsyncUnaryCall(unknown, null, new CallOptions(Admin), new Google.Protobuf.WellKnownTypes.Empty()));

        // Nothing above wrote or broke anything.
        Assert.True((await Client.HealthAsync(new Google.Protobuf.WellKnownTypes.Empty())).Status);
    }

    [Fact]
    public async Task Databases_are_created_listed_and_selected()
    {
        await Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = "kvapidb" }, Admin);
        await Refused(StatusCode.AlreadyExists, async () => await Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = "kvapidb" }, Admin), "database 'kvapidb' already exists");
        var v2 = await Client.CreateDatabaseV2Async(new Wire.CreateDatabaseRequest { Name = "kvapidb", IfNotExists = true }, Admin);
        Assert.True(v2.AlreadyExisted);
        await Refused(StatusCode.InvalidArgument, async () => await Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = "Upper" }, Admin), "provide a lowercase database name");
        await Refused(StatusCode.InvalidArgument, async () => await Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = "a/b" }, Admin), "punctuation marks and symbols are not allowed");
        await Refused(StatusCode.InvalidArgument, async () => await Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = "systemdb" }, Admin));

        var list = await Client.DatabaseListAsync(new Google.Protobuf.WellKnownTypes.Empty(), Admin);
        Assert.Equal("defaultdb", list.Databases[0].DatabaseName);
        Assert.Contains(list.Databases, d => d.DatabaseName == "kvapidb");
        Assert.DoesNotContain(list.Databases, d => d.DatabaseName == "systemdb");
        var listV2 = await Client.DatabaseListV2Async(new Wire.DatabaseListRequestV2(), Admin);
        Assert.Equal(1UL, listV2.Databases.Single(d => d.Name == "kvapidb").NumTransactions);

        var use = await Client.UseDatabaseAsync(new Wire.Database { DatabaseName = "kvapidb" }, Admin);
        var onNew = new Metadata { { "authorization", "Bearer " + use.Token } };
        var state = await Client.CurrentStateAsync(new Google.Protobuf.WellKnownTypes.Empty(), onNew);
        Assert.Equal("kvapidb", state.Db);
        Assert.Equal(1UL, state.TxId);
        var header = await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("only-here"), Value = B("x") } } }, onNew);
        Assert.Equal(2UL, header.Id);
        await Refused(StatusCode.Unknown, async () => await Client.GetAsync(new Wire.KeyRequest { Key = B("only-here") }, Admin), "key not found");
        await Refused(StatusCode.NotFound, async () => await Client.UseDatabaseAsync(new Wire.Database { DatabaseName = "nosuchdb" }, Admin));

        var info = await Client.ServerInfoAsync(new Wire.ServerInfoRequest(), Admin);
        Assert.True(info.NumDatabases >= 2);
        Assert.True(info.NumTransactions >= 3);
    }

    [Fact]
    public async Task Systemdb_is_a_verifiable_database_that_only_a_sysadmin_can_inspect()
    {
        var use = await Client.UseDatabaseAsync(new Wire.Database { DatabaseName = "systemdb" }, Admin);
        var system = new Metadata { { "authorization", "Bearer " + use.Token } };
        var state = await Client.CurrentStateAsync(new Google.Protobuf.WellKnownTypes.Empty(), system);
        Assert.Equal("systemdb", state.Db);
        Assert.True(state.TxId >= 3, "systemdb holds the internal tx, defaultdb's record and the admin user");

        var holder = new Cairn.Verification.TrustedStateHolder();
        holder.Bootstrap(shared.Server.Identity, Cairn.Client.WireProofs.State(state));
        var tx = await Client.VerifiableTxByIdAsync(new Wire.VerifiableTxRequest { Tx = 2, ProveSinceTx = state.TxId }, system);
        Cairn.Client.VerifiedReplies.VerifyTx(holder, shared.Server.Identity, "systemdb", tx);

        // Its keys are not readable or writable through the data API, even by a sysadmin.
        await Refused(StatusCode.PermissionDenied, async () => await Client.GetAsync(new Wire.KeyRequest { Key = B("user:immudb") }, system), "not allowed on systemdb");
        await Refused(StatusCode.PermissionDenied, async () => await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("user:evil"), Value = B("{}") } } }, system));
    }

    [Fact]
    public async Task Sessions_open_keep_alive_and_close()
    {
        var opened = await Client.OpenSessionAsync(new Wire.OpenSessionRequest { Username = B("immudb"), Password = B(ServerProcess.AdminPassword), DatabaseName = "defaultdb" });
        Assert.Equal(shared.Server.Identity, opened.ServerUUID);
        var session = new Metadata { { "sessionid", opened.SessionID } };
        await Client.KeepAliveAsync(new Google.Protobuf.WellKnownTypes.Empty(), session);
        var header = await Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("session:k"), Value = B("v") } } }, session);
        Assert.Equal("v", S((await Client.GetAsync(new Wire.KeyRequest { Key = B("session:k"), SinceTx = header.Id }, session)).Value));

        // The session wins over a token when both are sent.
        var both = new Metadata { { "sessionid", opened.SessionID }, { "authorization", "Bearer forged" } };
        await Client.KeepAliveAsync(new Google.Protobuf.WellKnownTypes.Empty(), both);

        await Client.CloseSessionAsync(new Google.Protobuf.WellKnownTypes.Empty(), session);
        await Refused(StatusCode.Unauthenticated, async () => await Client.KeepAliveAsync(new Google.Protobuf.WellKnownTypes.Empty(), session), "no session found");
        await Refused(StatusCode.Unauthenticated, async () => await Client.OpenSessionAsync(new Wire.OpenSessionRequest { Username = B("immudb"), Password = B("wrong"), DatabaseName = "defaultdb" }), "invalid user name or password");
    }
}
