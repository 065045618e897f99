using System.Text;

namespace CnnMl.DataView;

/// <summary>
/// Splits one line into fields at any of the separators. With quoting, a field that starts with a
/// double quote runs to the matching quote and may hold separators; "" inside it is one quote.
/// </summary>
internal sealed class TextLineSplitter(char[] separators, bool allowQuoting, bool trimWhitespace)
{
    /// <summary>Fills <paramref name="fields"/> with the fields of <paramref name="line"/>; returns an error message, or null.</summary>
    public string? Split(string line, List<ReadOnlyMemory<char>> fields)
    {
        fields.Clear();
        var memory = line.AsMemory();
        int i = 0;
        while (true)
        {
            int start = i;
            if (allowQuoting && SkipSpaces(line, i) is var q && q < line.Length && line[q] == '"')
            {
                var (text, next, error) = Quoted(line, q);
                if (error is not null) return error;
                i = trimWhitespace ? SkipSpaces(line, next) : next;
                if (i < line.Length && Array.IndexOf(separators, line[i]) < 0)
                    return $"unexpected text after the closing quote of field {fields.Count} (position {i + 1})";
                fields.Add(text);
            }
            else
            {
                while (i < line.Length && Array.IndexOf(separators, line[i]) < 0) i++;
                var field = memory[start..i];
                fields.Add(trimWhitespace ? field.Trim() : field);
            }
            if (i >= line.Length) return null;
            i++;
        }
    }

    private int SkipSpaces(string line, int i)
    {
        if (!trimWhitespace) return i;
        while (i < line.Length && line[i] == ' ' && Array.IndexOf(separators, ' ') < 0) i++;
        return i;
    }

    private static (ReadOnlyMemory<char> Text, int Next, string? Error) Quoted(string line, int open)
    {
        int i = open + 1;
        StringBuilder? unescaped = null;
        int segment = i;
        while (i < line.Length)
        {
            if (line[i] != '"')
            {
                i++;
                continue;
            }
            if (i + 1 < line.Length && line[i + 1] == '"')
            {
                unescaped ??= new StringBuilder();
                unescaped.Append(line, segment, i + 1 - segment);
                i += 2;
                segment = i;
                continue;
            }
            if (unescaped is null) return (line.AsMemory(open + 1, i - open - 1), i + 1, null);
            unescaped.Append(line, segment, i - segment);
            return (unescaped.ToString().AsMemory(), i + 1, null);
        }
        return (default, i, $"the quote opened at position {open + 1} is not closed on this line");
    }
}
