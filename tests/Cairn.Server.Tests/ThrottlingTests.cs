// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Engine;
using Google.Protobuf;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>The login back-off counters on their own, with a clock the test moves.</summary>
public sealed class LoginThrottleTests
{
    private readonly ManualTime _time = new();

    [Fact]
    public void The_back_off_starts_at_the_threshold_doubles_and_is_capped()
    {
        var throttle = new LoginThrottle(new LoginThrottleOptions { Failures = 3, Base = TimeSpan.FromSeconds(1), Max = TimeSpan.FromSeconds(4) }, _time);
        Assert.Empty(throttle.Failed("alice", "10.0.0.1"));
        Assert.Empty(throttle.Failed("alice", "10.0.0.1"));
        Assert.Equal(TimeSpan.Zero, throttle.RetryAfter("alice", "10.0.0.1"));
        Assert.Equal([(ThrottleKey.User, 3, TimeSpan.FromSeconds(1)), (ThrottleKey.Address, 3, TimeSpan.FromSeconds(1))], throttle.Failed("alice", "10.0.0.1"));
        Assert.Equal(TimeSpan.FromSeconds(1), throttle.RetryAfter("alice", "10.0.0.1"));

        foreach (int seconds in new[] { 2, 4, 4, 4 })
        {
            _time.Advance(throttle.RetryAfter("alice", "10.0.0.1"));
            Assert.Equal(TimeSpan.Zero, throttle.RetryAfter("alice", "10.0.0.1"));
            throttle.Failed("alice", "10.0.0.1");
            Assert.Equal(TimeSpan.FromSeconds(seconds), throttle.RetryAfter("alice", "10.0.0.1"));
        }
    }

    [Fact]
    public void A_success_or_a_quiet_period_as_long_as_the_maximum_clears_the_counters()
    {
        var throttle = new LoginThrottle(new LoginThrottleOptions { Failures = 2, Max = TimeSpan.FromMinutes(1) }, _time);
        throttle.Failed("alice", "10.0.0.1");
        throttle.Succeeded("alice", "10.0.0.1");
        throttle.Failed("alice", "10.0.0.1");
        Assert.Equal(TimeSpan.Zero, throttle.RetryAfter("alice", "10.0.0.1"));

        _time.Advance(TimeSpan.FromMinutes(1));
        throttle.Failed("alice", "10.0.0.1");
        Assert.Equal(TimeSpan.Zero, throttle.RetryAfter("alice", "10.0.0.1"));
        throttle.Failed("alice", "10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(1), throttle.RetryAfter("alice", "10.0.0.1"));
    }

    [Fact]
    public void User_names_and_addresses_are_counted_apart()
    {
        var throttle = new LoginThrottle(new LoginThrottleOptions(), _time);
        for (int i = 0; i < 3; i++)
        {
            throttle.Failed("alice", "10.0.0.1");
        }

        Assert.True(throttle.RetryAfter("alice", "10.0.0.2") > TimeSpan.Zero, "the user name, from anywhere");
        Assert.True(throttle.RetryAfter("bob", "10.0.0.1") > TimeSpan.Zero, "the address, for any name");
        Assert.Equal(TimeSpan.Zero, throttle.RetryAfter("bob", "10.0.0.2"));
        Assert.Equal(TimeSpan.Zero, throttle.RetryAfter("bob", null));
    }

    [Fact]
    public void Memory_is_bounded_and_off_means_off()
    {
        var throttle = new LoginThrottle(new LoginThrottleOptions { MaxEntries = 100 }, _time);
        for (int i = 0; i < 5000; i++)
        {
            throttle.Failed("user" + i, "10.0." + (i / 250) + "." + (i % 250));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.InRange(throttle.Count, 1, 200);

        var off = new LoginThrottle(new LoginThrottleOptions { Failures = 0 }, _time);
        for (int i = 0; i < 10; i++)
        {
            Assert.Empty(off.Failed("alice", "10.0.0.1"));
        }

        Assert.Equal(TimeSpan.Zero, off.RetryAfter("alice", "10.0.0.1"));
        Assert.Equal(0, off.Count);
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}

/// <summary>One server with a short back-off; each test uses its own users and client addresses.</summary>
public sealed class ThrottledServer : IAsyncLifetime
{
    public const string Password = "Thr0ttle!pw";

    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // A 3 s window: on a loaded machine (slow bcrypt) a shorter one can pass between two calls of one test.
        Server = await ServerProcess.StartAsync(arguments: ["--login-throttle-failures", "3", "--login-throttle-base", "3s", "--login-throttle-max", "12s"]);
        var admin = await Server.LoginAsync();
        foreach (string user in new[] { "tina", "uma", "vera", "walt", "xena" })
        {
            await Server.Client.CreateUserAsync(new Wire.CreateUserRequest { User = B(user), Password = B(Password), Permission = 2, Database = "defaultdb" }, admin);
        }
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Login back-off end to end: per user, per client address, the same answers for every name.</summary>
public sealed class ThrottlingTests(ThrottledServer shared) : IClassFixture<ThrottledServer>
{
    private const string BackOff = "too many failed login attempts: try again in ";

    [Fact]
    public async Task Failures_back_off_the_right_password_included_until_the_window_passes()
    {
        using var from = new SourceAddress(shared.Server, "127.0.0.2");
        for (int i = 0; i < 3; i++)
        {
            await Refused(StatusCode.Unauthenticated, () => Login(from, "tina", "Wr0ng!guess"), "invalid user name or password");
        }

        var refused = await Refused(StatusCode.ResourceExhausted, () => Login(from, "tina", ThrottledServer.Password));
        Assert.Equal(BackOff + "3s", refused.Status.Detail);
        Assert.Equal(TimeSpan.FromSeconds(3), RetryDelay(refused));

        await Task.Delay(TimeSpan.FromSeconds(3.3));
        await Login(from, "tina", ThrottledServer.Password);

        // The success cleared the counters: three more failures start again at 3 s, and the next one doubles it.
        for (int i = 0; i < 3; i++)
        {
            await Refused(StatusCode.Unauthenticated, () => Login(from, "tina", "Wr0ng!guess"));
        }

        Assert.Equal(BackOff + "3s", (await Refused(StatusCode.ResourceExhausted, () => Login(from, "tina", "Wr0ng!guess"))).Status.Detail);
        await Task.Delay(TimeSpan.FromSeconds(3.3));
        await Refused(StatusCode.Unauthenticated, () => Login(from, "tina", "Wr0ng!guess"));
        Assert.Equal(BackOff + "6s", (await Refused(StatusCode.ResourceExhausted, () => Login(from, "tina", ThrottledServer.Password))).Status.Detail);
    }

    [Fact]
    public async Task An_unknown_user_and_a_wrong_password_get_the_same_answers()
    {
        using var ghostFrom = new SourceAddress(shared.Server, "127.0.0.3");
        using var umaFrom = new SourceAddress(shared.Server, "127.0.0.4");
        var unknown = await Refused(StatusCode.Unauthenticated, () => Login(ghostFrom, "ghost", "Wr0ng!guess"));
        var wrong = await Refused(StatusCode.Unauthenticated, () => Login(umaFrom, "uma", "Wr0ng!guess"));
        Assert.Equal(unknown.Status.Detail, wrong.Status.Detail);

        var unknownSession = await Refused(StatusCode.Unauthenticated, () => OpenSession(ghostFrom, "ghost", "Wr0ng!guess"));
        var wrongSession = await Refused(StatusCode.Unauthenticated, () => OpenSession(umaFrom, "uma", "Wr0ng!guess"));
        Assert.Equal(unknownSession.Status.Detail, wrongSession.Status.Detail);
        Assert.Equal(unknown.Status.Detail, unknownSession.Status.Detail);

        await Refused(StatusCode.Unauthenticated, () => Login(ghostFrom, "ghost", "Wr0ng!guess"));
        await Refused(StatusCode.Unauthenticated, () => Login(umaFrom, "uma", "Wr0ng!guess"));
        var unknownThrottled = await Refused(StatusCode.ResourceExhausted, () => Login(ghostFrom, "ghost", "Wr0ng!guess"));
        var wrongThrottled = await Refused(StatusCode.ResourceExhausted, () => Login(umaFrom, "uma", ThrottledServer.Password));
        Assert.Equal(unknownThrottled.Status.Detail, wrongThrottled.Status.Detail);
        Assert.Equal(RetryDelay(unknownThrottled), RetryDelay(wrongThrottled));
    }

    [Fact]
    public async Task An_address_that_tries_many_names_backs_off_and_other_addresses_do_not()
    {
        using var sprayer = new SourceAddress(shared.Server, "127.0.0.5");
        using var bystander = new SourceAddress(shared.Server, "127.0.0.6");
        foreach (string name in new[] { "nobody1", "nobody2", "nobody3" })
        {
            await Refused(StatusCode.Unauthenticated, () => Login(sprayer, name, "Wr0ng!guess"));
        }

        await Refused(StatusCode.ResourceExhausted, () => Login(sprayer, "vera", ThrottledServer.Password), BackOff);
        await Refused(StatusCode.ResourceExhausted, () => OpenSession(sprayer, "vera", ThrottledServer.Password), BackOff);
        await Login(bystander, "vera", ThrottledServer.Password);
    }

    [Fact]
    public async Task A_user_that_failed_backs_off_from_every_address_and_other_users_do_not()
    {
        using var guesser = new SourceAddress(shared.Server, "127.0.0.7");
        using var owner = new SourceAddress(shared.Server, "127.0.0.8");
        for (int i = 0; i < 3; i++)
        {
            await Refused(StatusCode.Unauthenticated, () => Login(guesser, "walt", "Wr0ng!guess"));
        }

        await Refused(StatusCode.ResourceExhausted, () => Login(owner, "walt", ThrottledServer.Password), BackOff);
        await Refused(StatusCode.ResourceExhausted, () => OpenSession(owner, "walt", ThrottledServer.Password), BackOff);
        await Login(owner, "xena", ThrottledServer.Password);
        await Task.Delay(TimeSpan.FromSeconds(3.3));
        await Login(owner, "walt", ThrottledServer.Password);
    }

    private static Task<Wire.LoginResponse> Login(SourceAddress from, string user, string password) =>
        from.Client.LoginAsync(new Wire.LoginRequest { User = B(user), Password = B(password) }).ResponseAsync;

    private static Task<Wire.OpenSessionResponse> OpenSession(SourceAddress from, string user, string password) =>
        from.Client.OpenSessionAsync(new Wire.OpenSessionRequest { Username = B(user), Password = B(password), DatabaseName = "defaultdb" }).ResponseAsync;

    // google.rpc.Status → details (Any) → google.rpc.RetryInfo → retry_delay (Duration).
    private static TimeSpan RetryDelay(RpcException e)
    {
        byte[] status = e.Trailers.GetValueBytes("grpc-status-details-bin") ?? throw new Xunit.Sdk.XunitException("no grpc-status-details-bin trailer");
        var details = Field(status, 3) ?? throw new Xunit.Sdk.XunitException("no details");
        var any = Google.Protobuf.WellKnownTypes.Any.Parser.ParseFrom(details);
        Assert.Equal("type.googleapis.com/google.rpc.RetryInfo", any.TypeUrl);
        var delay = Field(any.Value.ToByteArray(), 1) ?? throw new Xunit.Sdk.XunitException("no retry_delay");
        return Google.Protobuf.WellKnownTypes.Duration.Parser.ParseFrom(delay).ToTimeSpan();
    }

    private static byte[]? Field(byte[] message, int number)
    {
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                return input.ReadBytes().ToByteArray();
            }

            input.SkipLastField();
        }

        return null;
    }
}

/// <summary>Throttling can be turned off.</summary>
public sealed class ThrottlingOffTests
{
    [Fact]
    public async Task With_throttling_off_failures_never_refuse_the_right_password()
    {
        await using var server = await ServerProcess.StartAsync(arguments: ["--login-throttle-failures", "off"]);
        for (int i = 0; i < 6; i++)
        {
            await Refused(StatusCode.Unauthenticated, async () => await server.Client.LoginAsync(new Wire.LoginRequest { User = B("immudb"), Password = B("Wr0ng!guess") }));
        }

        await server.LoginAsync();
        Assert.Contains("Login back-off is off", server.Output, StringComparison.Ordinal);
    }
}
