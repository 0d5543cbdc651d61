// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using Cairn.Security;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using SecurityWire = Cairn.Protocol.Security;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>
/// The authorization matrix: every data operation × {no grant, direct grant, role grant, grant on the parent
/// pattern, on a sibling pattern, on the exact pattern but for another privilege, granted then revoked while the
/// session is open}. Each operation declares the privileges it needs on the keys (or key prefixes) it touches; the
/// expected outcome of each cell is computed from those needs and the cell's grants with the pattern rules, never
/// written per row, and the real server must agree.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.Fixture fixture) : IClassFixture<AuthorizationMatrixTests.Fixture>
{
    private const string Database = "matrix";
    private const string Password = "Matr1x!pw";

    /// <summary>How the user of a cell came by its grants.</summary>
    public enum Scenario
    {
        NoGrant,
        Direct,
        Role,
        Parent,
        Sibling,
        OtherPrivilege,
        RevokedWhileOpen,
    }

    /// <summary>A privilege needed on one key, or on every key with a prefix.</summary>
    private sealed record Need(Privilege Privilege, string Key, bool Prefix = false)
    {
        // The narrowest pattern that satisfies the need.
        public string ExactPattern => Prefix ? (Key.Length == 0 ? "**" : Key + "**") : Key;

        public bool SatisfiedBy(Grant grant)
        {
            var pattern = KeyPattern.Parse(grant.Pattern);
            byte[] key = Encoding.UTF8.GetBytes(Key);
            return grant.Privilege == Privilege && (Prefix ? pattern.CoversPrefix(key) : pattern.Matches(key));
        }
    }

    /// <summary>A data operation: what it needs under a root, and how to call it.</summary>
    private sealed record Operation(string Name, Func<string, Need[]> Needs, Func<Wire.ImmuService.ImmuServiceClient, Metadata, string, Task> Act, bool Repeatable = true);

    // Keys under a root r: r.b.c (value), r.b.t (a target), r.b.d (to delete), r.b.r2 → r.b.t (a reference), r.b.z (a sorted set holding r.b.c).
    private static readonly Operation[] Operations =
    [
        new("Get", r => [new(Privilege.Read, $"{r}.b.c")], (c, h, r) => c.GetAsync(new Wire.KeyRequest { Key = B($"{r}.b.c") }, h).ResponseAsync),
        new("GetThroughReference", r => [new(Privilege.Read, $"{r}.b.r2"), new(Privilege.Read, $"{r}.b.t")], (c, h, r) => c.GetAsync(new Wire.KeyRequest { Key = B($"{r}.b.r2") }, h).ResponseAsync),
        new("VerifiableGet", r => [new(Privilege.Read, $"{r}.b.c")], (c, h, r) => c.VerifiableGetAsync(new Wire.VerifiableGetRequest { KeyRequest = new Wire.KeyRequest { Key = B($"{r}.b.c") } }, h).ResponseAsync),
        new("GetAll", r => [new(Privilege.Read, $"{r}.b.c"), new(Privilege.Read, $"{r}.b.t")], (c, h, r) => c.GetAllAsync(new Wire.KeyListRequest { Keys = { B($"{r}.b.c"), B($"{r}.b.t") } }, h).ResponseAsync),
        new("History", r => [new(Privilege.Read, $"{r}.b.c")], (c, h, r) => c.HistoryAsync(new Wire.HistoryRequest { Key = B($"{r}.b.c") }, h).ResponseAsync),
        new("Scan", r => [new(Privilege.Read, $"{r}.b.", Prefix: true)], (c, h, r) => c.ScanAsync(new Wire.ScanRequest { Prefix = B($"{r}.b.") }, h).ResponseAsync),
        new("Count", r => [new(Privilege.Read, $"{r}.b.", Prefix: true)], (c, h, r) => c.CountAsync(new Wire.KeyPrefix { Prefix = B($"{r}.b.") }, h).ResponseAsync),
        new("CountAll", r => [new(Privilege.Read, string.Empty, Prefix: true)], (c, h, r) => c.CountAllAsync(new Google.Protobuf.WellKnownTypes.Empty(), h).ResponseAsync),
        new("TxById", r => [new(Privilege.Read, string.Empty, Prefix: true)], (c, h, r) => c.TxByIdAsync(new Wire.TxRequest { Tx = 1 }, h).ResponseAsync),
        new("ZScan", r => [new(Privilege.Read, $"{r}.b.z"), new(Privilege.Read, $"{r}.b.c")], (c, h, r) => c.ZScanAsync(new Wire.ZScanRequest { Set = B($"{r}.b.z") }, h).ResponseAsync),
        new("Set", r => [new(Privilege.Write, $"{r}.b.c")], (c, h, r) => c.SetAsync(Set($"{r}.b.c"), h).ResponseAsync),
        new("VerifiableSet", r => [new(Privilege.Write, $"{r}.b.c")], (c, h, r) => c.VerifiableSetAsync(new Wire.VerifiableSetRequest { SetRequest = Set($"{r}.b.c") }, h).ResponseAsync),
        new("Delete", r => [new(Privilege.Delete, $"{r}.b.d")], (c, h, r) => c.DeleteAsync(new Wire.DeleteKeysRequest { Keys = { B($"{r}.b.d") } }, h).ResponseAsync, Repeatable: false),
        new("SetReference", r => [new(Privilege.Write, $"{r}.b.r"), new(Privilege.Read, $"{r}.b.t")], (c, h, r) => c.SetReferenceAsync(new Wire.ReferenceRequest { Key = B($"{r}.b.r"), ReferencedKey = B($"{r}.b.t") }, h).ResponseAsync),
        new("ZAdd", r => [new(Privilege.Write, $"{r}.b.z"), new(Privilege.Read, $"{r}.b.c")], (c, h, r) => c.ZAddAsync(new Wire.ZAddRequest { Set = B($"{r}.b.z"), Key = B($"{r}.b.c"), Score = 2 }, h).ResponseAsync),
        new("ExecAll", r => [new(Privilege.Write, $"{r}.b.c"), new(Privilege.Write, $"{r}.b.r"), new(Privilege.Read, $"{r}.b.t")], (c, h, r) => c.ExecAllAsync(new Wire.ExecAllRequest
        {
            Operations =
            {
                new Wire.Op { Kv = new Wire.KeyValue { Key = B($"{r}.b.c"), Value = B("w") } },
                new Wire.Op { Ref = new Wire.ReferenceRequest { Key = B($"{r}.b.r"), ReferencedKey = B($"{r}.b.t") } },
            },
        }, h).ResponseAsync),
    ];

    public static TheoryData<string, Scenario> Cells()
    {
        var data = new TheoryData<string, Scenario>();
        foreach (var operation in Operations)
        {
            foreach (var scenario in Enum.GetValues<Scenario>())
            {
                data.Add(operation.Name, scenario);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Operation_succeeds_exactly_when_the_rules_say_so(string operationName, Scenario scenario)
    {
        var operation = Operations.Single(o => o.Name == operationName);
        string root = $"{operationName}-{scenario}".ToLowerInvariant();
        string user = $"u_{operationName}_{scenario}";
        var needs = operation.Needs(root);
        await fixture.SeedAsync(root);

        // The user starts with nothing, then gets the cell's grants directly or through a role.
        await fixture.Security.CreateUserAsync(new SecurityWire.CreateUserRequest { User = user, Password = Password }, fixture.Admin);
        var grants = GrantsFor(scenario, root, needs);
        if (scenario == Scenario.Role)
        {
            string role = $"r-{root}";
            await fixture.Security.CreateRoleAsync(new SecurityWire.RoleRequest { Role = role }, fixture.Admin);
            foreach (var grant in grants)
            {
                await fixture.Security.GrantAsync(new SecurityWire.GrantRequest { Grant = ToProto(grant), Role = role }, fixture.Admin);
            }

            await fixture.Security.GrantRoleAsync(new SecurityWire.RoleMembershipRequest { Role = role, User = user }, fixture.Admin);
        }
        else
        {
            foreach (var grant in grants)
            {
                await fixture.Security.GrantAsync(new SecurityWire.GrantRequest { Grant = ToProto(grant), User = user }, fixture.Admin);
            }
        }

        var outcome = await OpenAndActAsync(operation, user, root, beforeAct: async session =>
        {
            if (scenario != Scenario.RevokedWhileOpen)
            {
                return;
            }

            // The open session works with the grant, then the revoke reaches it on its very next request.
            if (operation.Repeatable)
            {
                await operation.Act(fixture.Server.Client, session, root);
            }

            foreach (var grant in grants)
            {
                await fixture.Security.RevokeAsync(new SecurityWire.GrantRequest { Grant = ToProto(grant), User = user }, fixture.Admin);
            }

            grants = [];
        });

        bool expected = needs.All(need => grants.Any(need.SatisfiedBy));
        Assert.True(expected == (outcome is null), $"{operationName} with {scenario} ({string.Join(", ", GrantsFor(scenario, root, needs))}): expected {(expected ? "success" : "refusal")}, got {outcome?.Status.ToString() ?? "success"}");
        if (outcome is not null && scenario == Scenario.Sibling)
        {
            // The refusal names the missing privilege, what it was needed on, and the database.
            var first = needs[0];
            Assert.Contains($"permission denied: {first.Privilege.Name()} on ", outcome.Status.Detail, StringComparison.Ordinal);
            Assert.Contains($"in database '{Database}'", outcome.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_matrix_has_both_outcomes_for_every_operation()
    {
        foreach (var operation in Operations)
        {
            var outcomes = Enum.GetValues<Scenario>().Select(s => operation.Needs("r").All(n => GrantsFor(s, "r", operation.Needs("r")).Any(n.SatisfiedBy))).Distinct().Count();
            Assert.True(outcomes == 2, $"{operation.Name} must be allowed in some cells and refused in others");
        }
    }

    [Fact]
    public async Task A_reference_does_not_open_keys_outside_the_grant()
    {
        await fixture.Server.Client.SetAsync(Set("leak.x.secret"), fixture.Admin);
        await fixture.Server.Client.SetReferenceAsync(new Wire.ReferenceRequest { Key = B("leak.b.alias"), ReferencedKey = B("leak.x.secret") }, fixture.Admin);
        await fixture.Security.CreateUserAsync(new SecurityWire.CreateUserRequest { User = "leaky", Password = Password }, fixture.Admin);
        await fixture.Security.GrantAsync(new SecurityWire.GrantRequest { Grant = ToProto(new Grant(Privilege.Read, Database, "leak.b.**")), User = "leaky" }, fixture.Admin);
        var session = await OpenAsync("leaky");
        await Refused(StatusCode.PermissionDenied, async () => await fixture.Server.Client.GetAsync(new Wire.KeyRequest { Key = B("leak.b.alias") }, session),
            $"permission denied: READ on key 'leak.x.secret' in database '{Database}' (no grant covers it)");
        await Refused(StatusCode.PermissionDenied, async () => await fixture.Server.Client.ScanAsync(new Wire.ScanRequest { Prefix = B("leak.b.") }, session), "READ on key 'leak.x.secret'");
        await Refused(StatusCode.PermissionDenied, async () => await fixture.Server.Client.ScanAsync(new Wire.ScanRequest { Prefix = B("leak.") }, session),
            "READ on every key with prefix 'leak.'");
    }

    [Fact]
    public async Task A_role_change_reaches_open_sessions_and_dropping_a_role_takes_it_from_members()
    {
        await fixture.SeedAsync("roles");
        await fixture.Security.CreateUserAsync(new SecurityWire.CreateUserRequest { User = "member", Password = Password }, fixture.Admin);
        await fixture.Security.CreateRoleAsync(new SecurityWire.RoleRequest { Role = "readers" }, fixture.Admin);
        await fixture.Security.GrantAsync(new SecurityWire.GrantRequest { Grant = ToProto(new Grant(Privilege.Write, Database, "nothing.here")), Role = "readers" }, fixture.Admin);
        await fixture.Security.GrantRoleAsync(new SecurityWire.RoleMembershipRequest { Role = "readers", User = "member" }, fixture.Admin);
        var session = await OpenAsync("member");
        var get = new Wire.KeyRequest { Key = B("roles.b.c") };
        await Refused(StatusCode.PermissionDenied, async () => await fixture.Server.Client.GetAsync(get, session), "requires the read permission");

        // A grant to the role reaches the member's open session.
        await fixture.Security.GrantAsync(new SecurityWire.GrantRequest { Grant = ToProto(new Grant(Privilege.Read, Database, "roles.*.c")), Role = "readers" }, fixture.Admin);
        await fixture.Server.Client.GetAsync(get, session);

        var listed = await fixture.Security.ListRolesAsync(new SecurityWire.ListRolesRequest(), fixture.Admin);
        Assert.Equal(["member"], listed.Roles.Single(r => r.Name == "readers").Members);
        var effective = await fixture.Security.ListGrantsAsync(new SecurityWire.ListGrantsRequest { User = "member", Effective = true }, session);
        Assert.Contains(effective.Grants, g => g.Source == "role:readers" && g.Grant.Pattern == "roles.*.c");

        await fixture.Security.DropRoleAsync(new SecurityWire.RoleRequest { Role = "readers" }, fixture.Admin);
        await Refused(StatusCode.PermissionDenied, async () => await fixture.Server.Client.GetAsync(get, session));
        Assert.Empty((await fixture.Security.ListRolesAsync(new SecurityWire.ListRolesRequest { User = "member" }, session)).Roles);

        // A role of the same name made later does not come back to the old members.
        await fixture.Security.CreateRoleAsync(new SecurityWire.RoleRequest { Role = "readers" }, fixture.Admin);
        Assert.Empty((await fixture.Security.ListRolesAsync(new SecurityWire.ListRolesRequest(), fixture.Admin)).Roles.Single(r => r.Name == "readers").Members);
    }

    [Fact]
    public async Task Names_patterns_and_scopes_are_validated_with_clear_messages()
    {
        var security = fixture.Security;
        var admin = fixture.Admin;
        await Refused(StatusCode.InvalidArgument, async () => await security.CreateRoleAsync(new SecurityWire.RoleRequest { Role = "9lives" }, admin), "does not start with a letter");
        await Refused(StatusCode.InvalidArgument, async () => await security.CreateUserAsync(new SecurityWire.CreateUserRequest { User = "bad name", Password = Password }, admin), "contains ' '");
        await security.CreateUserAsync(new SecurityWire.CreateUserRequest { User = "validated", Password = Password }, admin);
        await Refused(StatusCode.InvalidArgument, async () => await security.GrantAsync(new SecurityWire.GrantRequest { Grant = ToProto(new Grant(Privilege.Read, Database, "a..b")), User = "validated" }, admin), "empty segment");
        await Refused(StatusCode.InvalidArgument, async () => await security.GrantAsync(new SecurityWire.GrantRequest { Grant = ToProto(new Grant(Privilege.Read, Database, "sens*")), User = "validated" }, admin), "whole segments");
        await Refused(StatusCode.InvalidArgument, async () => await security.GrantAsync(new SecurityWire.GrantRequest { Grant = ToProto(new Grant(Privilege.CreateRole, Database, "**")), User = "validated" }, admin), "only be granted on the server");
        await Refused(StatusCode.NotFound, async () => await security.GrantAsync(new SecurityWire.GrantRequest { Grant = ToProto(new Grant(Privilege.Read, "nosuchdb", "**")), User = "validated" }, admin), "does not exist");

        // A user with nothing cannot select the database, nor manage anything.
        await Refused(StatusCode.PermissionDenied, async () => await OpenAsync("validated"));
        var token = await fixture.Server.Client.LoginAsync(new Wire.LoginRequest { User = B("validated"), Password = B(Password) });
        var headers = new Metadata { { "authorization", "Bearer " + token.Token } };
        await Refused(StatusCode.PermissionDenied, async () => await security.CreateRoleAsync(new SecurityWire.RoleRequest { Role = "mine" }, headers), "CreateRole requires the CREATE_ROLE privilege");
        await Refused(StatusCode.FailedPrecondition, async () => await fixture.Server.Client.GetAsync(new Wire.KeyRequest { Key = B("a") }, headers), "please select a database first");
        Assert.Empty((await security.ListGrantsAsync(new SecurityWire.ListGrantsRequest { User = "validated", Effective = true }, headers)).Grants);
        await Refused(StatusCode.PermissionDenied, async () => await security.ListGrantsAsync(new SecurityWire.ListGrantsRequest { User = "immudb" }, headers), "LIST_USERS");

        // Management privileges can be granted too: CREATE_ROLE on the server lets it create roles.
        await security.GrantAsync(new SecurityWire.GrantRequest { Grant = ToProto(new Grant(Privilege.CreateRole, Grant.AnyDatabase, string.Empty)), User = "validated" }, admin);
        await security.CreateRoleAsync(new SecurityWire.RoleRequest { Role = "mine" }, headers);
    }

    private static IReadOnlyList<Grant> GrantsFor(Scenario scenario, string root, Need[] needs) => scenario switch
    {
        Scenario.NoGrant => [],
        Scenario.Direct or Scenario.Role or Scenario.RevokedWhileOpen => [.. needs.Select(n => new Grant(n.Privilege, Database, n.ExactPattern)).Distinct()],
        Scenario.Parent => [.. needs.Select(n => new Grant(n.Privilege, Database, $"{root}.**")).Distinct()],
        Scenario.Sibling => [.. needs.Select(n => new Grant(n.Privilege, Database, $"{root}.x.**")).Distinct()],
        Scenario.OtherPrivilege => [.. needs.Select(n => new Grant(n.Privilege == Privilege.Read ? Privilege.Write : Privilege.Read, Database, n.ExactPattern)).Distinct()],
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    };

    // Opens a session as the user and runs the operation; null when it succeeded, the refusal when it was denied.
    private async Task<RpcException?> OpenAndActAsync(Operation operation, string user, string root, Func<Metadata, Task> beforeAct)
    {
        Metadata session;
        try
        {
            session = await OpenAsync(user);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            return e;
        }

        await beforeAct(session);
        try
        {
            await operation.Act(fixture.Server.Client, session, root);
            return null;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            return e;
        }
    }

    private async Task<Metadata> OpenAsync(string user)
    {
        var session = await fixture.Server.Client.OpenSessionAsync(new Wire.OpenSessionRequest { Username = B(user), Password = B(Password), DatabaseName = Database });
        return new Metadata { { "sessionid", session.SessionID } };
    }

    private static Wire.SetRequest Set(string key) => new() { KVs = { new Wire.KeyValue { Key = B(key), Value = B("v") } } };

    private static SecurityWire.Grant ToProto(Grant grant) => new() { Privilege = (SecurityWire.Privilege)(int)grant.Privilege, Database = grant.Database, Pattern = grant.Pattern };

    /// <summary>One server with the matrix database; each cell seeds its own root.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public ServerProcess Server { get; private set; } = null!;

        public Metadata Admin { get; private set; } = null!;

        public SecurityWire.SecurityService.SecurityServiceClient Security { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Server = await ServerProcess.StartAsync();
            var admin = await Server.LoginAsync();
            await Server.Client.CreateDatabaseAsync(new Wire.Database { DatabaseName = Database }, admin);
            Admin = await Server.LoginAsync(database: Database);
            Security = new SecurityWire.SecurityService.SecurityServiceClient(Server.Channel);
        }

        public async Task SeedAsync(string root)
        {
            await Server.Client.SetAsync(new Wire.SetRequest
            {
                KVs =
                {
                    new Wire.KeyValue { Key = B($"{root}.b.c"), Value = B("c") },
                    new Wire.KeyValue { Key = B($"{root}.b.t"), Value = B("t") },
                    new Wire.KeyValue { Key = B($"{root}.b.d"), Value = B("d") },
                },
            }, Admin);
            await Server.Client.SetReferenceAsync(new Wire.ReferenceRequest { Key = B($"{root}.b.r2"), ReferencedKey = B($"{root}.b.t") }, Admin);
            await Server.Client.ZAddAsync(new Wire.ZAddRequest { Set = B($"{root}.b.z"), Key = B($"{root}.b.c"), Score = 1 }, Admin);
        }

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
