// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;
using Cairn.Engine;
using Cairn.Security;
using Cairn.Server.Configuration;
using Grpc.Core;
using static Cairn.Server.Tests.WireHelpers;
using Wire = Cairn.Protocol.Immudb;

namespace Cairn.Server.Tests;

/// <summary>Users from a provisioning file (<c>--users-file</c>): created, brought in line, validated, never logged.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProvisioningTests
{
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    [Fact]
    public async Task Users_are_created_then_updated_to_match_and_plain_passwords_are_never_logged()
    {
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "data");
        string file = Path.Combine(folder.Path, "users.json");
        string bobHash = PasswordHasher.Hash("B0b!hashed").Replace("$2a$", "$2y$", StringComparison.Ordinal);
        await WriteUsersAsync(file, $$"""
            [
              { "name": "alice", "password": "Al1ce!plain", "permissions": { "defaultdb": "readwrite" } },
              { "name": "bob", "passwordHash": "{{bobHash}}", "active": true, "permissions": { "defaultdb": "read" }, "roles": [] },
              // a deactivated user, permission given as immudb's number
              { "name": "carol", "password": "C4rol!plain", "active": false, "permissions": { "defaultdb": 1 } },
            ]
            """);
        var outputs = new List<string>();

        await using (var server = await ServerProcess.StartAsync(data, ["--users-file", file, "--log-level", "trace"]))
        {
            var alice = await server.LoginAsync("alice", "Al1ce!plain");
            await server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("p:k"), Value = B("v") } } }, alice);
            var bob = await server.LoginAsync("bob", "B0b!hashed");
            Assert.Equal("v", S((await server.Client.GetAsync(new Wire.KeyRequest { Key = B("p:k") }, bob)).Value));
            await Refused(StatusCode.PermissionDenied, async () => await server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("p:k"), Value = B("w") } } }, bob));
            await Refused(StatusCode.PermissionDenied, async () => await server.LoginAsync("carol", "C4rol!plain"), "user is not active");
            var users = (await server.Client.ListUsersAsync(Empty, await server.LoginAsync())).Users;
            Assert.Equal("users-file", users.Single(u => S(u.User_) == "alice").Createdby);

            // Secrets that pass through the server in other ways must not be logged either.
            var admin = await server.LoginAsync();
            await Refused(StatusCode.Unauthenticated, async () => await server.LoginAsync("alice", "Wr0ng!guess"));
            await server.Client.CreateUserAsync(new Wire.CreateUserRequest { User = B("dave"), Password = B("D4ve!apipw"), Permission = 1, Database = "defaultdb" }, admin);
            await server.Client.ChangePasswordAsync(new Wire.ChangePasswordRequest { User = B("dave"), NewPassword = B("D4ve!newpw") }, admin);
            await server.TerminateAsync();
            outputs.Add(server.Output);
            Assert.Contains($"Users file {file}: the password of user alice is in plain text", server.Output, StringComparison.Ordinal);
            Assert.Contains($"Users file {file}: the password of user carol is in plain text", server.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("the password of user bob", server.Output, StringComparison.Ordinal);
            Assert.Contains($"Users file {file} applied: 3 created, 0 updated, 0 unchanged", server.Output, StringComparison.Ordinal);
        }

        // The file changes: alice gets a new password and loses write, carol is activated with a hash, bob is no
        // longer listed (and is left alone), the admin's password is provisioned.
        string carolHash = PasswordHasher.Hash("C4rol!hashed");
        await WriteUsersAsync(file, $$"""
            [
              { "name": "alice", "password": "Al1ce!newpw", "permissions": { "defaultdb": "read" } },
              { "name": "carol", "passwordHash": "{{carolHash}}", "permissions": { "defaultdb": "readwrite" } },
              { "name": "immudb", "password": "Adm1n!file" }
            ]
            """);
        await using (var server = await ServerProcess.StartAsync(data, ["--users-file", file]))
        {
            await Refused(StatusCode.Unauthenticated, async () => await server.LoginAsync("alice", "Al1ce!plain"));
            var alice = await server.LoginAsync("alice", "Al1ce!newpw");
            await Refused(StatusCode.PermissionDenied, async () => await server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("p:k"), Value = B("w") } } }, alice));
            var carol = await server.LoginAsync("carol", "C4rol!hashed");
            await server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("p:c"), Value = B("c") } } }, carol);
            await server.LoginAsync("bob", "B0b!hashed");
            await server.LoginAsync("immudb", "Adm1n!file");
            await server.TerminateAsync();
            outputs.Add(server.Output);
            Assert.Contains($"Users file {file} applied: 0 created, 3 updated, 0 unchanged", server.Output, StringComparison.Ordinal);
        }

        // The same file again changes nothing (a plain password that matches keeps its hash).
        await using (var server = await ServerProcess.StartAsync(data, ["--users-file", file], adminPassword: null))
        {
            await server.LoginAsync("alice", "Al1ce!newpw");
            await server.TerminateAsync();
            outputs.Add(server.Output);
            Assert.Contains($"Users file {file} applied: 0 created, 0 updated, 3 unchanged", server.Output, StringComparison.Ordinal);
        }

        foreach (string secret in new[] { "Al1ce!plain", "Al1ce!newpw", "C4rol!plain", "B0b!hashed", "C4rol!hashed", "Adm1n!file", ServerProcess.AdminPassword, "Wr0ng!guess", "D4ve!apipw", "D4ve!newpw" })
        {
            Assert.All(outputs, output => Assert.DoesNotContain(secret, output, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("not json", "is not valid JSON (line 1")]
    [InlineData("3", "must hold a JSON array of users")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "pasword": "x" }]""", "user #1 ('a'): unknown field 'pasword'")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "roles": "auditor" }]""", "roles must be an array of role names")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "grants": [{ "privilege": "SEE", "database": "defaultdb" }] }]""", "grant #1: privilege must be one of READ")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "grants": [{ "privilege": "READ" }] }]""", "grant #1: database is required")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "grants": [{ "privilege": "READ", "database": "defaultdb", "keys": "a.**" }] }]""", "unknown field 'keys'")]
    [InlineData("""{ "users": [], "groups": [] }""", "unknown field 'groups'")]
    [InlineData("""{ "roles": [{ "name": "r" }, { "name": "r" }] }""", "role 'r' is listed twice")]
    [InlineData("""{ "roles": [{ "name": "bad role" }] }""", "role 'bad role'")]
    [InlineData("""[{ "name": "immudb", "password": "Adm1n!file", "roles": ["r"] }]""", "built-in sysadmin")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "active": "yes" }]""", "active must be true or false")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "permissions": { "defaultdb": "write" } }]""", "must be read, readwrite or admin")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "permissions": { "defaultdb": 255 } }]""", "must be read, readwrite or admin")]
    [InlineData("""[{ "password": "Al1ce!plain" }]""", "name is required")]
    [InlineData("""[{ "name": "a" }]""", "user 'a': give exactly one of password and passwordHash")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "passwordHash": "$2a$10$x" }]""", "give exactly one of password and passwordHash")]
    [InlineData("""[{ "name": "a", "password": "weakpass1" }]""", PasswordPolicy.Rule)]
    [InlineData("""[{ "name": "a", "passwordHash": "5f4dcc3b5aa765d61d8327deb882cf99" }]""", "passwordHash is not a bcrypt hash")]
    [InlineData("""[{ "name": "a", "passwordHash": "$2a$04$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234" }]""", "bcrypt cost 4 is outside 10 to 31")]
    [InlineData("""[{ "name": "a b", "password": "Al1ce!plain" }]""", "user names can only contain letters, digits and underscores")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain" }, { "name": "a", "password": "Al1ce!plain" }]""", "user 'a' is listed twice")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "permissions": { "systemdb": "read" } }]""", "'systemdb' is not a database permissions can be granted on")]
    [InlineData("""[{ "name": "immudb", "password": "Adm1n!file", "permissions": { "defaultdb": "read" } }]""", "built-in sysadmin")]
    [InlineData("""[{ "name": "immudb", "password": "Adm1n!file", "active": false }]""", "built-in sysadmin")]
    public void Invalid_files_are_refused_with_the_reason_and_no_password(string json, string reason)
    {
        var e = Assert.ThrowsAny<Exception>(() => AccessManager.CheckProvisioning(UsersFile.Parse(Encoding.UTF8.GetBytes(json), "users.json")));
        Assert.True(e is SettingsException or EngineException, e.ToString());
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        foreach (string secret in new[] { "Al1ce!plain", "weakpass1", "Adm1n!file" })
        {
            Assert.DoesNotContain(secret, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Valid_bcrypt_hashes_of_every_revision_are_accepted()
    {
        string hash = PasswordHasher.Hash("B0b!hashed");
        foreach (string revision in new[] { "$2a$", "$2b$", "$2y$" })
        {
            string revised = revision + hash[4..];
            Assert.Null(PasswordHashFormat.Problem(revised));
            Assert.True(PasswordHasher.Verify("B0b!hashed", revised), revision);
        }
    }

    [Theory]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "roles": "auditor" }]""", "roles must be an array of role names")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "grants": [{ "privilege": "SEE", "database": "defaultdb" }] }]""", "grant #1: privilege must be one of READ")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "grants": [{ "privilege": "READ" }] }]""", "grant #1: database is required")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain", "grants": [{ "privilege": "READ", "database": "defaultdb", "keys": "a.**" }] }]""", "unknown field 'keys'")]
    [InlineData("""{ "users": [], "groups": [] }""", "unknown field 'groups'")]
    [InlineData("""{ "roles": [{ "name": "r" }, { "name": "r" }] }""", "role 'r' is listed twice")]
    [InlineData("""{ "roles": [{ "name": "bad role" }] }""", "role 'bad role'")]
    [InlineData("""[{ "name": "immudb", "password": "Adm1n!file", "roles": ["r"] }]""", "built-in sysadmin")]
    [InlineData("""[{ "name": "a", "password": "weakpass1" }]""", "password must have between 8 and 32")]
    [InlineData("""[{ "name": "a", "password": "Al1ce!plain" """, "is not valid JSON")]
    public async Task An_invalid_file_stops_the_start_with_exit_78_before_the_data_folder_is_touched(string json, string reason)
    {
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "data");
        string file = Path.Combine(folder.Path, "users.json");
        await WriteUsersAsync(file, json);
        var (code, output) = await ServerProcess.RunToExitAsync(["serve", "--dir", data, "--port", "0", "--metrics-port", "0", "--users-file", file]);
        Assert.Equal(78, code);
        Assert.Contains($"users-file: {file}", output, StringComparison.Ordinal);
        Assert.Contains(reason, output, StringComparison.Ordinal);
        Assert.DoesNotContain("weakpass1", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Al1ce!plain", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data));

        (code, output) = await ServerProcess.RunToExitAsync(["serve", "--dir", data, "--users-file", Path.Combine(folder.Path, "missing.json")]);
        Assert.Equal(78, code);
        Assert.Contains("users-file: cannot read", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Roles_and_grants_are_provisioned_and_kept_in_line_with_the_file()
    {
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "data");
        string file = Path.Combine(folder.Path, "users.json");
        await WriteUsersAsync(file, """
            {
              "roles": [
                { "name": "thermometers", "grants": [{ "privilege": "READ", "database": "defaultdb", "pattern": "plant.*.temp" }] },
                { "name": "lister", "grants": [{ "privilege": "list_users", "database": "*" }] }
              ],
              "users": [
                { "name": "erin", "password": "Er1n!plain", "roles": ["thermometers"],
                  "grants": [{ "privilege": "WRITE", "database": "defaultdb", "pattern": "plant.**" }] }
              ]
            }
            """);
        await using (var server = await ServerProcess.StartAsync(data, ["--users-file", file]))
        {
            var erin = await server.LoginAsync("erin", "Er1n!plain");
            await server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("plant.a.temp"), Value = B("20") }, new Wire.KeyValue { Key = B("plant.a.hum"), Value = B("40") } } }, erin);
            Assert.Equal("20", S((await server.Client.GetAsync(new Wire.KeyRequest { Key = B("plant.a.temp") }, erin)).Value));
            await Refused(StatusCode.PermissionDenied, async () => await server.Client.GetAsync(new Wire.KeyRequest { Key = B("plant.a.hum") }, erin), "READ on key 'plant.a.hum'");
            Assert.Equal(["erin"], (await server.Client.ListUsersAsync(Empty, erin)).Users.Select(u => S(u.User_)));
            Assert.Contains($"Users file {file} applied: 3 created, 0 updated, 0 unchanged", server.Output, StringComparison.Ordinal);
            await server.TerminateAsync();
        }

        // The file changes: erin loses the write grant and gains the lister role; the thermometers role now reads humidity too.
        await WriteUsersAsync(file, """
            {
              "roles": [
                { "name": "thermometers", "grants": [{ "privilege": "READ", "database": "defaultdb", "pattern": "plant.*.temp" }, { "privilege": "READ", "database": "defaultdb", "pattern": "plant.*.hum" }] },
                { "name": "lister", "grants": [{ "privilege": "LIST_USERS", "database": "*" }] }
              ],
              "users": [ { "name": "erin", "password": "Er1n!plain", "roles": ["thermometers", "lister"] } ]
            }
            """);
        await using (var server = await ServerProcess.StartAsync(data, ["--users-file", file]))
        {
            var erin = await server.LoginAsync("erin", "Er1n!plain");
            Assert.Equal("40", S((await server.Client.GetAsync(new Wire.KeyRequest { Key = B("plant.a.hum") }, erin)).Value));
            await Refused(StatusCode.PermissionDenied, async () => await server.Client.SetAsync(new Wire.SetRequest { KVs = { new Wire.KeyValue { Key = B("plant.b.temp"), Value = B("1") } } }, erin), "Set requires the readwrite permission");
            Assert.Contains("immudb", (await server.Client.ListUsersAsync(Empty, erin)).Users.Select(u => S(u.User_)));
            Assert.Contains($"Users file {file} applied: 0 created, 2 updated, 1 unchanged", server.Output, StringComparison.Ordinal);
            await server.TerminateAsync();
        }

        // A role that neither exists nor is in the file stops the start, naming it.
        await WriteUsersAsync(file, """[{ "name": "erin", "password": "Er1n!plain", "roles": ["nosuchrole"] }]""");
        var (exitCode, output) = await ServerProcess.RunToExitAsync(["serve", "--dir", data, "--port", "0", "--metrics-port", "0", "--users-file", file]);
        Assert.Equal(78, exitCode);
        Assert.Contains("role 'nosuchrole' does not exist and is not in the file", output, StringComparison.Ordinal);
    }

    private static async Task WriteUsersAsync(string path, string json)
    {
        await File.WriteAllTextAsync(path, json, Encoding.UTF8);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
