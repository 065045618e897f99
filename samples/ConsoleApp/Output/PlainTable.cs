using System.Text;

namespace CnnMl.ConsoleApp.Output;

/// <summary>Text tables with space-aligned columns and a dashed rule under the header (plain output).</summary>
internal static class PlainTable
{
    public static string Format(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows, ISet<int> rightAligned)
    {
        var widths = headers.Select((h, c) => Math.Max(h.Length, rows.Select(r => c < r.Count ? r[c].Length : 0).DefaultIfEmpty(0).Max())).ToArray();
        var text = new StringBuilder();
        void Row(IReadOnlyList<string> cells)
        {
            var parts = widths.Select((w, c) =>
            {
                var cell = c < cells.Count ? cells[c] : "";
                return rightAligned.Contains(c) ? cell.PadLeft(w) : cell.PadRight(w);
            });
            text.AppendLine(string.Join("  ", parts).TrimEnd());
        }
        Row(headers);
        text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows) Row(row);
        return text.ToString();
    }

    /// <summary>A markdown table (for the README): pipes, a header rule, right-aligned numeric columns.</summary>
    public static string Markdown(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows, ISet<int> rightAligned)
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", headers) + " |");
        text.AppendLine("|" + string.Join("|", headers.Select((_, c) => rightAligned.Contains(c) ? "---:" : "---")) + "|");
        foreach (var row in rows) text.AppendLine("| " + string.Join(" | ", row) + " |");
        return text.ToString();
    }
}
