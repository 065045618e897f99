using Spectre.Console;

namespace CnnMl.ConsoleApp.Output;

/// <summary>
/// Where a command writes: Spectre.Console widgets (live progress, boxed tables) on an interactive
/// terminal, plain aligned text otherwise, so logs of tests and CI stay readable.
/// </summary>
internal sealed class Terminal
{
    public Terminal(TextWriter output, bool interactive)
    {
        Out = output;
        Console = interactive
            ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.Detect, ColorSystem = ColorSystemSupport.Detect })
            : null;
    }

    /// <summary>The plain writer.</summary>
    public TextWriter Out { get; }

    /// <summary>The rich console, or null when output is plain.</summary>
    public IAnsiConsole? Console { get; }

    /// <summary>True when stdout is a terminal that is not marked dumb.</summary>
    public static bool IsInteractive() =>
        !System.Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "" or "dumb");

    /// <summary>Writes one line of text (never interpreted as markup).</summary>
    public void Line(string text = "")
    {
        if (Console is { } console) console.WriteLine(text);
        else Out.WriteLine(text);
    }

    /// <summary>Writes preformatted text as is (never wrapped at the terminal width).</summary>
    public void Raw(string text)
    {
        Out.WriteLine(text);
        Out.Flush();
    }

    /// <summary>Writes a heading line (bold on a terminal).</summary>
    public void Heading(string text)
    {
        if (Console is { } console) console.MarkupLine($"[bold]{Markup.Escape(text)}[/]");
        else Out.WriteLine(text);
    }

    /// <summary>Writes a table; <paramref name="rightAligned"/> marks the numeric columns.</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, ISet<int>? rightAligned = null)
    {
        rightAligned ??= new HashSet<int>();
        var data = rows.ToList();
        if (Console is { } console)
        {
            var table = new Table().Border(TableBorder.Rounded);
            for (int c = 0; c < headers.Count; c++)
            {
                var column = new TableColumn(Markup.Escape(headers[c]));
                table.AddColumn(rightAligned.Contains(c) ? column.RightAligned() : column);
            }
            foreach (var row in data) table.AddRow(row.Select(cell => new Text(cell)).ToArray());
            console.Write(table);
            return;
        }
        Out.Write(PlainTable.Format(headers, data, rightAligned));
    }
}
