// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>/metrics and /health on the metrics port of the real process, and the two ports kept apart.</summary>
public sealed partial class MetricsTests
{
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    [Fact]
    public async Task Metrics_count_calls_commits_and_logins_and_report_the_databases()
    {
        await using var server = await ServerProcess.StartAsync();
        var admin = await server.LoginAsync();
        await Refused(StatusCode.Unauthenticated, async () => await server.Client.LoginAsync(new Wire.LoginRequest { User = B("immudb"), Password = B("Wr0ng!pass") }));
        await server.Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("idle"), Password = B("Id1e!pass"), Permission = 1, Database = "defaultdb" }, admin);
        await server.Client.SetActiveUserAsync(new Wire.SetActiveUserRequest { Username = "idle", Active = false }, admin);
        await Refused(StatusCode.PermissionDenied, async () => await server.LoginAsync("idle", "Id1e!pass"));
        var session = await server.Client.OpenSessionAsync(new Wire.OpenSessionRequest { Username = B("immudb"), Password = B(ServerProcess.AdminPassword), DatabaseName = "defaultdb" });

        const int sets = 40;
        await Task.WhenAll(Enumerable.Range(0, sets).Select(i =>
            server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B($"m{i}"), Value = B("v") }, new Wire.KeyValue { Key = B($"n{i}"), Value = B("w") } } }, admin).ResponseAsync));
        var state = await server.Client.CurrentStateAsync(Empty, admin);

        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri($"http://127.0.0.1:{server.MetricsPort}/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        var samples = Parse(text);

        Assert.Contains("# TYPE cairn_grpc_requests_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE cairn_grpc_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# HELP cairn_commit_group_txs ", text, StringComparison.Ordinal);
        Assert.True(samples[@"cairn_grpc_requests_total{method=""Set"",code=""OK""}"] >= sets);
        Assert.True(samples[@"cairn_grpc_requests_total{method=""Login"",code=""Unauthenticated""}"] >= 1);
        Assert.True(samples[@"cairn_grpc_request_duration_seconds_count{method=""Set""}"] >= sets);
        Assert.True(samples[@"cairn_grpc_request_duration_seconds_sum{method=""Set""}"] > 0);
        Assert.Equal(samples[@"cairn_grpc_request_duration_seconds_count{method=""Set""}"], samples[@"cairn_grpc_request_duration_seconds_bucket{method=""Set"",le=""+Inf""}"]);

        // A new data folder: every tx of defaultdb, its first internal one included, was committed by this process.
        Assert.Equal(state.TxId, samples[@"cairn_database_last_tx_id{database=""defaultdb""}"]);
        Assert.Equal(state.TxId, samples[@"cairn_commit_txs_total{database=""defaultdb""}"]);
        Assert.True(samples[@"cairn_commit_entries_total{database=""defaultdb""}"] >= 2 * sets);
        Assert.True(samples[@"cairn_commit_bytes_total{database=""defaultdb""}"] > 0);
        double groups = samples[@"cairn_commit_group_txs_count{database=""defaultdb""}"];
        Assert.InRange(groups, 1, state.TxId);
        Assert.Equal(state.TxId, samples[@"cairn_commit_group_txs_sum{database=""defaultdb""}"]);
        Assert.Equal(groups, samples[@"cairn_commit_sync_duration_seconds_count{database=""defaultdb""}"]);
        Assert.InRange(samples[@"cairn_database_index_lag_txs{database=""defaultdb""}"], 0, state.TxId);
        Assert.True(samples[@"cairn_database_size_bytes{database=""defaultdb""}"] > 0);
        Assert.Equal(1, samples[@"cairn_database_healthy{database=""defaultdb""}"]);
        Assert.True(samples[@"cairn_database_last_tx_id{database=""systemdb""}"] >= 1);
        Assert.Equal(1, samples["cairn_databases"]);

        Assert.True(samples["cairn_sessions_open"] >= 1, "the session opened above");
        Assert.True(samples["cairn_logins_total"] >= 2);
        Assert.True(samples[@"cairn_login_failures_total{reason=""invalid_credentials""}"] >= 1);
        Assert.True(samples[@"cairn_login_failures_total{reason=""inactive_user""}"] >= 1);

        await server.Client.CloseSessionAsync(Empty, new Metadata { { "sessionid", session.SessionID } });
    }

    [Fact]
    public async Task Health_answers_ok_in_json_while_every_database_is_healthy()
    {
        await using var server = await ServerProcess.StartAsync();
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri($"http://127.0.0.1:{server.MetricsPort}/health"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("databases").GetInt32());
        Assert.False(json.RootElement.TryGetProperty("failing", out _));

        // Nothing else is served there.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"http://127.0.0.1:{server.MetricsPort}/"))).StatusCode);
    }

    [Fact]
    public async Task The_gRPC_and_metrics_ports_do_not_serve_each_other()
    {
        await using var server = await ServerProcess.StartAsync();
        Assert.NotNull(server.MetricsPort);
        Assert.NotEqual(server.Port, server.MetricsPort);

        // gRPC (HTTP/2) on the metrics port: the HTTP/1.1-only listener cannot carry it.
        using (var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.MetricsPort}"))
        {
            var client = new Wire.ImmuService.ImmuServiceClient(channel);
            var e = await Assert.ThrowsAsync<RpcException>(async () => await client.HealthAsync(Empty, deadline: DateTime.UtcNow.AddSeconds(20)));
            Assert.NotEqual(StatusCode.OK, e.StatusCode);
        }

        // /metrics and /health over HTTP/2 on the gRPC port: not there.
        using (var h2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact })
        {
            foreach (string path in new[] { "/metrics", "/health" })
            {
                var response = await h2.GetAsync(new Uri($"http://127.0.0.1:{server.Port}{path}"));
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.DoesNotContain("cairn_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }

        // And the gRPC port still speaks no HTTP/1.1 at all.
        using var h1 = new HttpClient();
        try
        {
            var response = await h1.GetAsync(new Uri($"http://127.0.0.1:{server.Port}/metrics"));
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        }
        catch (HttpRequestException)
        {
        }

        // The gRPC port itself is unaffected.
        Assert.True((await server.Client.HealthAsync(Empty)).Status);
    }

    [Fact]
    public async Task Metrics_can_be_turned_off_and_must_not_take_the_gRPC_port()
    {
        await using (var server = await ServerProcess.StartAsync(arguments: ["--metrics-port", "off"]))
        {
            Assert.Null(server.MetricsPort);
            Assert.Contains("Cairn metrics are off", server.Output, StringComparison.Ordinal);
            Assert.True((await server.Client.HealthAsync(Empty)).Status);
        }

        using var folder = new TempFolder();
        var (code, output) = await ServerProcess.RunToExitAsync(["serve", "--dir", Path.Combine(folder.Path, "data"), "--port", "4567", "--metrics-port", "4567"]);
        Assert.Equal(78, code);
        Assert.Contains("metrics-port: 4567 is also the gRPC port", output, StringComparison.Ordinal);
    }

    // Prometheus text format: `name{labels} value` per sample; comments and blank lines skipped.
    private static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (SampleLine().Match(line) is { Success: true } match)
            {
                samples[match.Groups[1].Value] = double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            }
        }

        return samples;
    }

    [GeneratedRegex(@"^(cairn_[a-z_]+(?:\{[^}]*\})?) (\S+)$")]
    private static partial Regex SampleLine();
}
