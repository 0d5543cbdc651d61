// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Cairn.Server.Tests;

namespace Cairn.Auditor.Tests;

/// <summary>The parts of the auditor that need no server.</summary>
public sealed class AuditorUnitTests
{
    [Fact]
    public void Small_databases_are_re_read_whole_and_large_ones_sampled_without_repeats()
    {
        Assert.Equal([1UL, 2, 3], CairnAuditor.ChooseTxs(3, 10));
        Assert.Empty(CairnAuditor.ChooseTxs(3, 0));
        Assert.Empty(CairnAuditor.ChooseTxs(0, 10));
        var sample = CairnAuditor.ChooseTxs(1_000_000, 10);
        Assert.Equal(10, sample.Distinct().Count());
        Assert.All(sample, id => Assert.InRange(id, 1UL, 1_000_000UL));
        Assert.Equal(sample.Order(), sample);
    }

    [Theory]
    [InlineData("5m", 300)]
    [InlineData("90s", 90)]
    [InlineData("1500ms", 1.5)]
    [InlineData("1h", 3600)]
    [InlineData("2", 2)]
    public void Durations_parse(string text, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), AuditorOptions.ParseDuration(text));

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5s")]
    public void Bad_durations_are_refused(string text) => Assert.Throws<FormatException>(() => AuditorOptions.ParseDuration(text));

    [Fact]
    public void A_verdict_survives_a_restart_and_the_first_reason_stands()
    {
        using var folder = new TempFolder();
        string path = VerdictStore.PathFor(Path.Combine(folder.Path, "trust.json"));
        var store = new VerdictStore(path);
        Assert.Null(store.Find("http://a:1", "db"));
        var at = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        store.Record("http://a:1", "db", "first", at);
        store.Record("http://a:1", "db", "second", at.AddHours(1));

        var reopened = new VerdictStore(path);
        Assert.Equal(new TamperVerdict("http://a:1", "db", at, "first"), reopened.Find("http://a:1", "db"));
        Assert.Null(reopened.Find("http://a:1", "other"));

        File.WriteAllText(path, "{ not json");
        Assert.Throws<InvalidDataException>(() => new VerdictStore(path));
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Equal("http://127.0.0.1:3322", new AuditorOptions { Address = "127.0.0.1:3322" }.ServerUrl);
        Assert.Equal("https://h:1", new AuditorOptions { Address = "https://h:1/" }.ServerUrl);
        Assert.Throws<ArgumentException>(() => new AuditorOptions { Address = "ftp://h:1" }.Validate());
        Assert.Throws<ArgumentException>(() => new AuditorOptions { Interval = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentException>(() => new AuditorOptions { SampleSize = -1 }.Validate());
    }
}
