// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Text;

namespace Cairn.Cli.Shell;

/// <summary>
/// A small line editor for the terminal: left/right, home/end (Ctrl-A/E), backspace/delete, Ctrl-U, history with
/// up/down, Ctrl-C to drop the line, Ctrl-D on an empty line to leave. Single-line editing only (long lines scroll
/// with the terminal); good enough for commands, and without a dependency.
/// </summary>
internal sealed class LineEditor
{
    private const int HistoryLimit = 500;
    private readonly List<string> _history = [];

    /// <summary>Reads a line after <paramref name="prompt"/>; null at end of input (Ctrl-D on an empty line).</summary>
    public string? ReadLine(string prompt)
    {
        bool treatControlC = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            return Edit(prompt);
        }
        finally
        {
            Console.TreatControlCAsInput = treatControlC;
        }
    }

    private string? Edit(string prompt)
    {
        var line = new StringBuilder();
        int cursor = 0;
        int recalled = _history.Count;
        Console.Write(prompt);
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            bool control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    string text = line.ToString();
                    if (text.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != text))
                    {
                        _history.Add(text);
                        if (_history.Count > HistoryLimit)
                        {
                            _history.RemoveAt(0);
                        }
                    }

                    return text;
                case ConsoleKey.D when control:
                    if (line.Length == 0)
                    {
                        Console.WriteLine();
                        return null;
                    }

                    break;
                case ConsoleKey.C when control:
                    Console.WriteLine("^C");
                    return string.Empty;
                case ConsoleKey.U when control:
                    line.Clear();
                    cursor = 0;
                    break;
                case ConsoleKey.A when control:
                case ConsoleKey.Home:
                    cursor = 0;
                    break;
                case ConsoleKey.E when control:
                case ConsoleKey.End:
                    cursor = line.Length;
                    break;
                case ConsoleKey.LeftArrow:
                    cursor = Math.Max(0, cursor - 1);
                    break;
                case ConsoleKey.RightArrow:
                    cursor = Math.Min(line.Length, cursor + 1);
                    break;
                case ConsoleKey.Backspace:
                    if (cursor > 0)
                    {
                        line.Remove(--cursor, 1);
                    }

                    break;
                case ConsoleKey.Delete:
                    if (cursor < line.Length)
                    {
                        line.Remove(cursor, 1);
                    }

                    break;
                case ConsoleKey.UpArrow:
                case ConsoleKey.DownArrow:
                    recalled = Math.Clamp(recalled + (key.Key == ConsoleKey.UpArrow ? -1 : 1), 0, _history.Count);
                    line.Clear().Append(recalled < _history.Count ? _history[recalled] : string.Empty);
                    cursor = line.Length;
                    break;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        line.Insert(cursor++, key.KeyChar);
                    }

                    break;
            }

            Redraw(prompt, line, cursor);
        }
    }

    // Rewrites the whole line: carriage return, prompt, text, clear to the end, cursor back into place.
    private static void Redraw(string prompt, StringBuilder line, int cursor)
    {
        var frame = new StringBuilder("\r").Append(prompt).Append(line).Append("\u001b[K");
        int back = line.Length - cursor;
        if (back > 0)
        {
            frame.Append("\u001b[").Append(back).Append('D');
        }

        Console.Write(frame.ToString());
    }
}
