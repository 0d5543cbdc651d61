// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.LoadGen;

/// <summary>Entry point: parses the options and runs the comparison.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            await Console.Error.WriteLineAsync(LoadOptions.Usage).ConfigureAwait(false);
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(LoadOptions.Usage);
            return 0;
        }

        using var run = new LoadRun(options);
        await run.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
