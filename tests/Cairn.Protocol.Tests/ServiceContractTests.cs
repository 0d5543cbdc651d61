// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Protocol.Immudb;
using Grpc.Core;

namespace Cairn.Protocol.Tests;

/// <summary>
/// The method paths clients dial. A path that differs by a letter answers Unimplemented, so the list is
/// written out by hand and compared with both the descriptor and the generated server stub.
/// </summary>
public sealed class ServiceContractTests
{
    private static readonly string[] s_unary =
    [
        "ListUsers", "CreateUser", "ChangePassword", "ChangePermission", "SetActiveUser", "UpdateAuthConfig", "UpdateMTLSConfig",
        "OpenSession", "CloseSession", "KeepAlive", "Login", "Logout",
        "Set", "VerifiableSet", "Get", "VerifiableGet", "Delete", "GetAll", "ExecAll", "Scan", "Count", "CountAll", "History",
        "SetReference", "VerifiableSetReference", "ZAdd", "VerifiableZAdd", "ZScan",
        "TxById", "VerifiableTxById", "TxScan", "CurrentState",
        "ServerInfo", "Health", "DatabaseHealth", "CreateDatabase", "CreateDatabaseV2", "DatabaseList", "DatabaseListV2",
        "UseDatabase", "CompactIndex", "UseSnapshot",
        "SQLExec", "UnarySQLQuery", "ListTables", "DescribeTable",
    ];

    private static readonly string[] s_serverStreaming = ["SQLQuery"];

    private static IEnumerable<string> ExpectedPaths =>
        s_unary.Concat(s_serverStreaming).Select(name => "/immudb.schema.ImmuService/" + name).Order(StringComparer.Ordinal);

    [Fact]
    public void Descriptor_declares_exactly_the_served_methods()
    {
        var service = ImmuService.Descriptor;
        Assert.Equal("immudb.schema.ImmuService", service.FullName);
        var actual = service.Methods.Select(m => $"/{service.FullName}/{m.Name}").Order(StringComparer.Ordinal);
        Assert.Equal(ExpectedPaths, actual);
    }

    [Fact]
    public void Server_stub_binds_every_method_with_its_streaming_kind()
    {
        var binder = new RecordingBinder();
        ImmuService.BindService(binder, new UnimplementedService());

        Assert.Equal(ExpectedPaths, binder.Methods.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, type) in binder.Methods)
        {
            var name = path[(path.LastIndexOf('/') + 1)..];
            Assert.Equal(s_serverStreaming.Contains(name) ? MethodType.ServerStreaming : MethodType.Unary, type);
        }
    }

    [Theory]
    [InlineData("Login", "LoginRequest", "LoginResponse")]
    [InlineData("OpenSession", "OpenSessionRequest", "OpenSessionResponse")]
    [InlineData("CloseSession", "google.protobuf.Empty", "google.protobuf.Empty")]
    [InlineData("Set", "SetRequest", "TxHeader")]
    [InlineData("VerifiableSet", "VerifiableSetRequest", "VerifiableTx")]
    [InlineData("Get", "KeyRequest", "Entry")]
    [InlineData("VerifiableGet", "VerifiableGetRequest", "VerifiableEntry")]
    [InlineData("Delete", "DeleteKeysRequest", "TxHeader")]
    [InlineData("ExecAll", "ExecAllRequest", "TxHeader")]
    [InlineData("Count", "KeyPrefix", "EntryCount")]
    [InlineData("TxById", "TxRequest", "Tx")]
    [InlineData("VerifiableTxById", "VerifiableTxRequest", "VerifiableTx")]
    [InlineData("TxScan", "TxScanRequest", "TxList")]
    [InlineData("CurrentState", "google.protobuf.Empty", "ImmutableState")]
    [InlineData("CreateDatabase", "Database", "google.protobuf.Empty")]
    [InlineData("CreateDatabaseV2", "CreateDatabaseRequest", "CreateDatabaseResponse")]
    [InlineData("DatabaseListV2", "DatabaseListRequestV2", "DatabaseListResponseV2")]
    [InlineData("UseDatabase", "Database", "UseDatabaseReply")]
    [InlineData("ServerInfo", "ServerInfoRequest", "ServerInfoResponse")]
    [InlineData("SQLQuery", "SQLQueryRequest", "SQLQueryResult")]
    [InlineData("DescribeTable", "Table", "SQLQueryResult")]
    public void Methods_take_and_return_immudbs_message_types(string method, string input, string output)
    {
        var descriptor = ImmuService.Descriptor.FindMethodByName(method);
        Assert.NotNull(descriptor);
        Assert.Equal(Qualify(input), descriptor.InputType.FullName);
        Assert.Equal(Qualify(output), descriptor.OutputType.FullName);
    }

    [Fact]
    public void Client_stub_exists_for_the_net_client()
    {
        var client = new ImmuService.ImmuServiceClient(new NoCallInvoker());
        Assert.NotNull(client);
    }

    private static string Qualify(string name) => name.Contains('.', StringComparison.Ordinal) ? name : "immudb.schema." + name;

    private sealed class UnimplementedService : ImmuService.ImmuServiceBase;

    private sealed class RecordingBinder : ServiceBinderBase
    {
        public Dictionary<string, MethodType> Methods { get; } = [];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add(method.FullName, method.Type);

        public override void AddMethod<TRequest, TResponse>(
            Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add(method.FullName, method.Type);

        public override void AddMethod<TRequest, TResponse>(
            Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add(method.FullName, method.Type);

        public override void AddMethod<TRequest, TResponse>(
            Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add(method.FullName, method.Type);
    }

    private sealed class NoCallInvoker : CallInvoker
    {
        public override TResponse BlockingUnaryCall<TRequest, TResponse>(
            Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
            Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
            Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
            Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();
    }
}
