// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections.Concurrent;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>Starting, refusing to start, stopping on SIGTERM, and oversized messages, with the real process.</summary>
public sealed class LifecycleTests
{
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    [Fact]
    public async Task The_default_admin_password_keeps_the_server_on_loopback()
    {
        using var folder = new TempFolder();
        string dir = Path.Combine(folder.Path, "data");

        // Non-loopback with the default password: refused with what to do, exit code 78.
        var (code, output) = await ServerProcess.RunToExitAsync(["serve", "--dir", dir, "--address", "0.0.0.0", "--port", "0"]);
        Assert.Equal(78, code);
        Assert.Contains("default password", output, StringComparison.Ordinal);
        Assert.Contains("--admin-password", output, StringComparison.Ordinal);

        // On loopback it runs, and Login says the password is the default one.
        await using (var local = await ServerProcess.StartAsync(dir, ["--address", "127.0.0.1"], adminPassword: null))
        {
            var login = await local.Client.LoginAsync(new Wire.LoginRequest { User = B("immudb"), Password = B("immudb") });
            Assert.Equal("immudb user has the default password: please change it to ensure proper security", S(login.Warning));
        }

        // Setting a password lifts the restriction; the warning is gone and the old password no longer works.
        await using (var exposed = await ServerProcess.StartAsync(dir, ["--address", "0.0.0.0", "--admin-password", "N0t!default"]))
        {
            var login = await exposed.Client.LoginAsync(new Wire.LoginRequest { User = B("immudb"), Password = B("N0t!default") });
            Assert.True(login.Warning.IsEmpty);
            await Refused(StatusCode.Unauthenticated, async () => await exposed.Client.LoginAsync(new Wire.LoginRequest { User = B("immudb"), Password = B("immudb") }));
        }
    }

    [Fact]
    public async Task SIGTERM_finishes_commits_in_flight_and_exits_0_with_nothing_acknowledged_lost()
    {
        await using var server = await ServerProcess.StartAsync();
        var admin = await server.LoginAsync();
        var acknowledged = new ConcurrentDictionary<string, string>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                string key = $"term:{w}:{i}";
                try
                {
                    await server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B(key), Value = B("v" + i) } }, NoWait = i % 2 == 0 }, admin);
                    acknowledged[key] = "v" + i;
                }
                catch (RpcException)
                {
                    return; // The server is going away: this write was not acknowledged.
                }
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(1));
        int exit = await server.TerminateAsync();
        stop.Cancel();
        await Task.WhenAll(writers);
        Assert.Equal(0, exit);
        Assert.True(acknowledged.Count > 10, $"writes must have been acknowledged before SIGTERM ({acknowledged.Count})");
        Assert.Contains("every database closed cleanly", server.Output, StringComparison.Ordinal);

        await using var restarted = await ServerProcess.StartAsync(server.DataDirectory);
        var again = await restarted.LoginAsync();
        var found = await restarted.Client.GetAllAsync(new Wire.KeyListRequest { Keys = { acknowledged.Keys.Select(k => ByteString.CopyFromUtf8(k)) } }, again);
        Assert.Equal(acknowledged.Count, found.Entries_.Count);
        Assert.All(found.Entries_, e => Assert.Equal(acknowledged[S(e.Key)], S(e.Value)));
    }

    [Fact]
    public async Task Oversized_messages_are_refused_and_the_server_keeps_serving()
    {
        await using var server = await ServerProcess.StartAsync(arguments: ["--max-recv-msg-size", "1m"]);
        var admin = await server.LoginAsync();
        var big = new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("big"), Value = ByteString.CopyFrom(new byte[2 << 20]) } } };
        await Refused(StatusCode.ResourceExhausted, async () => await server.Client.SetAsync(big, admin));

        // Garbage in place of a message is refused too.
        var raw = new Method<byte[], byte[]>(MethodType.Unary, "immudb.schema.ImmuService", "Set", Marshallers.Create<byte[]>(b => b, b => b), Marshallers.Create<byte[]>(b => b, b => b));
        var garbage = await Assert.ThrowsAsync<RpcException>(async () => await server.Channel.CreateCallInvoker().AsyncUnaryCall(raw, null, new CallOptions(admin), [0xff, 0xff, 0xff, 0x0f, 0x01]));
        Assert.NotEqual(StatusCode.OK, garbage.StatusCode);

        var small = await server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("small"), Value = B("fits") } } }, admin);
        Assert.Equal("fits", S((await server.Client.GetAsync(new Wire.KeyRequest { Key = B("small") }, admin)).Value));
        Assert.True(small.Id >= 2);
    }

    [Fact]
    public async Task Help_lists_every_setting_with_its_environment_variable()
    {
        var (code, output) = await ServerProcess.RunToExitAsync(["serve", "--help"]);
        Assert.Equal(0, code);
        foreach (var definition in Cairn.Server.Configuration.SettingDefinitions.All)
        {
            Assert.Contains(definition.Flag, output, StringComparison.Ordinal);
            Assert.Contains(definition.EnvironmentVariable, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Invalid_settings_stop_the_start_with_the_reason()
    {
        var (code, output) = await ServerProcess.RunToExitAsync(["serve", "--port", "70000"]);
        Assert.Equal(78, code);
        Assert.Contains("port: '70000' is not a whole number from 0 to 65535 (from flag --port)", output, StringComparison.Ordinal);

        using var folder = new TempFolder();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "cairn.toml"), "prot = 1\n", Encoding.UTF8);
        (code, output) = await ServerProcess.RunToExitAsync(["serve"], workingDirectory: folder.Path);
        Assert.Equal(78, code);
        Assert.Contains("unknown setting 'prot'", output, StringComparison.Ordinal);
    }
}
