// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Cli.Tests;

/// <summary>The shell driven through standard input, as a script would.</summary>
public sealed class ShellTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_script_runs_every_line_and_an_error_does_not_stop_it()
    {
        const string Script = """
            # comments and blank lines are skipped

            help
            set shell:a one
            get shell:a
            get shell:missing
            safeset shell:b "two words"
            safeget shell:b
            nosuchcommand
            count shell:
            """;
        var result = await Cli.RunAsync(["client"], fixture.Environment(), Script + "\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("safeget, verifiedget", result.Stdout);
        Assert.Contains("one", result.Stdout);
        Assert.Contains("two words", result.Stdout);
        Assert.Contains("verified, trusted tx", result.Stdout);
        Assert.DoesNotContain("cairn:defaultdb>", result.Stdout);
        Assert.DoesNotContain('\u001b', result.Stdout);
        var errors = result.Stderr.Trim().Split('\n');
        Assert.Equal(2, errors.Length);
        Assert.Equal("cairn: key not found", errors[0]);
        Assert.Contains("nosuchcommand", errors[1]);
    }

    [Fact]
    public async Task Json_mode_prints_one_document_per_command_and_the_last_failure_sets_the_exit_code()
    {
        const string Script = """
            set shell:j 1
            safeget shell:j
            health
            get shell:nothing-here
            """;
        var result = await Cli.RunAsync(["client", "shell", "--output", "json"], fixture.Environment(), Script + "\n");

        Assert.Equal(1, result.ExitCode);
        var documents = result.JsonLines;
        Assert.Equal(3, documents.Count);
        Assert.Equal("1", documents[1].GetProperty("value").GetString());
        Assert.True(documents[1].GetProperty("verified").GetBoolean());
        Assert.True(documents[2].GetProperty("healthy").GetBoolean());
    }

    [Fact]
    public async Task Login_logout_and_use_last_for_the_session()
    {
        await fixture.RunAsync("admin", "database", "create", "shelldb");
        const string Script = """
            use shelldb
            set where shelldb
            logout
            get where
            login immudb --database shelldb
            get where
            exit
            get never-run
            """;
        var result = await Cli.RunAsync(["client", "-o", "json"], fixture.Environment(), Script + "\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("not logged in", result.Stderr);
        var documents = result.JsonLines;
        Assert.Equal("using database shelldb", documents[0].GetProperty("message").GetString());
        Assert.Equal("shelldb", documents[^1].GetProperty("value").GetString());
        Assert.DoesNotContain("never-run", result.Stderr);
        Assert.Equal(1, (await fixture.RunAsync("client", "get", "where")).ExitCode);
    }
}
