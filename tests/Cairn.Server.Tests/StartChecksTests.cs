// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Verification;

namespace Cairn.Server.Tests;

/// <summary>Permission checks at start: warnings, never refusals.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StartChecksTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Fact]
    public async Task A_new_data_folder_is_owner_only_and_draws_no_warning()
    {
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "data");
        await using var server = await ServerProcess.StartAsync(data);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(data));
        Assert.DoesNotContain("open to group or others", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("readable or writable by every user", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_folder_open_to_others_and_world_readable_secret_files_are_warned_about()
    {
        using var folder = new TempFolder();
        string data = Path.Combine(folder.Path, "data");
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        string config = Path.Combine(folder.Path, "cairn.toml");
        await File.WriteAllTextAsync(config, "log-format = \"text\"\n");
        File.SetUnixFileMode(config, readable);
        string users = Path.Combine(folder.Path, "users.json");
        await File.WriteAllTextAsync(users, """[{ "name": "alice", "password": "Al1ce!plain", "permissions": { "defaultdb": "read" } }]""");
        File.SetUnixFileMode(users, readable);
        string key = Path.Combine(folder.Path, "signing.pem");
        using (var signer = StateSigner.Generate())
        {
            await File.WriteAllTextAsync(key, signer.ExportPrivateKeyPem());
        }

        File.SetUnixFileMode(key, readable);

        await using var server = await ServerProcess.StartAsync(data, ["--config", config, "--users-file", users, "--signing-key", key]);
        Assert.Contains($"The data folder {data} is open to group or others (mode 0755); make it owner-only: chmod 700 {data}", server.Output, StringComparison.Ordinal);
        foreach (var (setting, path) in new[] { ("config", config), ("users-file", users), ("signing-key", key) })
        {
            Assert.Contains($"The {setting} file {path} is readable or writable by every user (mode 0644)", server.Output, StringComparison.Ordinal);
        }

        // Warnings only: the server serves.
        await server.LoginAsync("alice", "Al1ce!plain");
    }
}
