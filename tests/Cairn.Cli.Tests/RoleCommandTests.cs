// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Cli.Tests;

/// <summary><c>cairn admin role …</c>, <c>grant</c>, <c>revoke</c> and <c>grants</c> against the real server.</summary>
public sealed class RoleCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Password = "Sens0r!pw";

    [Fact]
    public async Task Roles_and_key_grants_are_managed_from_the_command_line()
    {
        await Ok("client", "set", "sensors.1.temp", "21");
        await Ok("client", "set", "sensors.1.hum", "40");

        // A reader of one key pattern, through a role.
        await Ok("admin", "user", "create", "sensor", "--permission", "read", "--new-password", Password);
        await Ok("admin", "user", "permission", "revoke", "sensor", "--permission", "read");
        Assert.Contains("created role temps", (await Ok("admin", "role", "create", "temps")).Stdout);
        Assert.Contains("granted READ on 'sensors.*.temp' in database defaultdb to role temps",
            (await Ok("admin", "grant", "read", "--keys", "sensors.*.temp", "--to-role", "temps")).Stdout);
        Assert.Contains("gave role temps to sensor", (await Ok("admin", "role", "grant", "temps", "--to", "sensor")).Stdout);

        var asSensor = fixture.Environment(("CAIRN_USER", "sensor"), ("CAIRN_PASSWORD", Password));
        Assert.Equal(0, (await Cli.RunAsync(["client", "get", "sensors.1.temp"], asSensor)).ExitCode);
        var refused = await Cli.RunAsync(["client", "get", "sensors.1.hum"], asSensor);
        Assert.Equal(5, refused.ExitCode);
        Assert.Contains("READ on key 'sensors.1.hum' in database 'defaultdb'", refused.Stderr);

        var roles = (await Ok("admin", "role", "list", "-o", "json")).Json.GetProperty("roles").EnumerateArray().ToList();
        var temps = Assert.Single(roles, r => r.GetProperty("name").GetString() == "temps");
        Assert.Equal(["sensor"], temps.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        var grants = (await Ok("admin", "grants", "--of-user", "sensor", "--effective", "-o", "json")).Json.GetProperty("grants").EnumerateArray().ToList();
        Assert.Contains(grants, g => g.GetProperty("pattern").GetString() == "sensors.*.temp" && g.GetProperty("source").GetString() == "role:temps");

        // Direct grants and revokes; taking the role back ends the reads.
        await Ok("admin", "grant", "READ", "--keys", "sensors.**", "--to-user", "sensor");
        Assert.Equal(0, (await Cli.RunAsync(["client", "get", "sensors.1.hum"], asSensor)).ExitCode);
        await Ok("admin", "revoke", "READ", "--keys", "sensors.**", "--from-user", "sensor");
        Assert.Contains("took role temps from sensor", (await Ok("admin", "role", "revoke", "temps", "--from", "sensor")).Stdout);
        Assert.Equal(5, (await Cli.RunAsync(["client", "get", "sensors.1.temp"], asSensor)).ExitCode);
        Assert.Contains("dropped role temps", (await Ok("admin", "role", "drop", "temps")).Stdout);
    }

    [Fact]
    public async Task Users_are_dropped_and_key_separators_set_from_the_command_line()
    {
        await Ok("admin", "database", "create", "sepdb");
        Assert.Contains("database sepdb key separator '.'", (await Ok("admin", "database", "separator", "sepdb")).Stdout);
        Assert.Contains("database sepdb key separator set to '/'", (await Ok("admin", "database", "separator", "sepdb", "/")).Stdout);
        Assert.Contains("database sepdb key separator '/'", (await Ok("admin", "database", "separator", "sepdb")).Stdout);
        var star = await fixture.RunAsync("admin", "database", "separator", "sepdb", "*");
        Assert.Equal(1, star.ExitCode);
        Assert.Contains("one printable ASCII character other than '*'", star.Stderr);
        Assert.Equal(2, (await fixture.RunAsync("admin", "database", "separator", "sepdb", "::")).ExitCode);

        await Ok("admin", "user", "create", "leaver", "--permission", "read", "--new-password", Password);
        var asLeaver = fixture.Environment(("CAIRN_USER", "leaver"), ("CAIRN_PASSWORD", Password));
        Assert.Equal(0, (await Cli.RunAsync(["client", "status"], asLeaver)).ExitCode);
        Assert.Contains("dropped user leaver", (await Ok("admin", "user", "drop", "leaver")).Stdout);
        Assert.Equal(5, (await Cli.RunAsync(["client", "status"], asLeaver)).ExitCode);
        var again = await fixture.RunAsync("admin", "user", "drop", "leaver");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("user not found", again.Stderr);
    }

    [Fact]
    public async Task Usage_errors_name_the_problem()
    {
        var both = await fixture.RunAsync("admin", "grant", "READ", "--to-user", "a", "--to-role", "b");
        Assert.Equal(2, both.ExitCode);
        var unknown = await fixture.RunAsync("admin", "grant", "SUPERUSER", "--to-user", "a");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown privilege 'SUPERUSER'", unknown.Stderr + unknown.Stdout);
        var badRole = await fixture.RunAsync("admin", "role", "create", "9lives");
        Assert.Equal(1, badRole.ExitCode);
        Assert.Contains("does not start with a letter", badRole.Stderr);
    }

    private async Task<CliResult> Ok(params string[] arguments)
    {
        var result = await fixture.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
