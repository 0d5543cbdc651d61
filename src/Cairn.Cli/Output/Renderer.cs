// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text.Json;
using Spectre.Console;

namespace Cairn.Cli.Output;

/// <summary>How answers are printed.</summary>
internal enum OutputFormat
{
    /// <summary>Readable tables (colours only on a terminal).</summary>
    Table,

    /// <summary>One compact JSON document per command, for scripts.</summary>
    Json,
}

/// <summary>
/// Prints views on stdout as tables or JSON, and failures as one line on stderr. On a terminal, tables use colours
/// and rounded borders; otherwise plain ASCII without escape codes, wide enough not to wrap values.
/// </summary>
internal sealed class Renderer
{
    private readonly TextWriter _error;

    public Renderer(OutputFormat format, TextWriter? output = null, TextWriter? error = null, bool? terminal = null)
    {
        Format = format;
        var writer = output ?? System.Console.Out;
        _error = error ?? System.Console.Error;
        IsTerminal = terminal ?? (output is null && !System.Console.IsOutputRedirected);
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!IsTerminal)
        {
            // Redirected output has no width; a generous one keeps long keys and values on one line.
            Console.Profile.Width = 240;
        }
    }

    public OutputFormat Format { get; }

    /// <summary>Whether stdout is a terminal (colours, progress bars).</summary>
    public bool IsTerminal { get; }

    /// <summary>The Spectre console over stdout.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Prints <paramref name="view"/> as JSON or as a table.</summary>
    public void Render(object view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (Format == OutputFormat.Json)
        {
            Console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(view, CliJson.Readable.GetTypeInfo(view.GetType())!));
            Console.Profile.Out.Writer.Flush();
            return;
        }

        Tables.Render(this, view);
    }

    /// <summary>A table in the style of the output (rounded on a terminal, ASCII otherwise).</summary>
    public Table NewTable(params string[] columns)
    {
        var table = new Table { Border = IsTerminal ? TableBorder.Rounded : TableBorder.Ascii };
        foreach (string column in columns)
        {
            table.AddColumn(new TableColumn(new Text(column)));
        }

        return table;
    }

    /// <summary>A line of plain text on stdout (table mode only).</summary>
    public void Line(string text) => Console.Write(new Text(text + "\n"));

    /// <summary>A failure, one line on stderr.</summary>
    public void Error(string message) => _error.WriteLine($"cairn: {OneLine(message)}");

    /// <summary>A warning from the server, one line on stderr.</summary>
    public void Warning(string message) => _error.WriteLine($"cairn: warning: {OneLine(message)}");

    /// <summary>A message on one line: line breaks and tabs become spaces.</summary>
    public static string OneLine(string message) =>
        string.Join(' ', (message ?? string.Empty).Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Parse errors as one line; "command not provided" only when nothing more specific (an unknown word) was found.</summary>
    public static string ParseErrors(IReadOnlyList<System.CommandLine.Parsing.ParseError> errors)
    {
        var messages = errors.Select(e => OneLine(e.Message).TrimEnd('.')).Distinct().ToList();
        var specific = messages.Where(m => !m.StartsWith("Required command", StringComparison.Ordinal)).ToList();
        return string.Join("; ", specific.Count > 0 ? specific : messages);
    }
}
