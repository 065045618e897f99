namespace CnnMl.Datasets;

/// <summary>The class folder of a row, from a key column with KeyValues or a text column.</summary>
internal static class ClassFolders
{
    public static Func<string> Reader(DataViewRow row, DataViewSchema.Column label, string root)
    {
        if (label.Type is KeyDataViewType key && key.RawType == typeof(uint))
        {
            var folders = KeyFolders(label, key, root);
            var getKey = row.GetGetter<uint>(label);
            return () =>
            {
                uint value = 0;
                getKey(ref value);
                if (value == 0 || value > folders.Length)
                    throw new InvalidDataException($"row {row.Position} has key {value} in '{label.Name}', not one of the {folders.Length} classes (1..{folders.Length}; 0 is missing)");
                return folders[value - 1];
            };
        }
        if (label.Type is TextDataViewType)
        {
            var getText = row.GetGetter<ReadOnlyMemory<char>>(label);
            return () =>
            {
                ReadOnlyMemory<char> value = default;
                getText(ref value);
                if (value.Span.Trim().IsEmpty) throw new InvalidDataException($"row {row.Position} has an empty class name in '{label.Name}'");
                return Path.Combine(root, SafeName(value.ToString()));
            };
        }
        throw new ArgumentException($"column '{label.Name}' has type {label.Type}; the class column must be a uint key with KeyValues or text");
    }

    private static string[] KeyFolders(DataViewSchema.Column label, KeyDataViewType key, string root)
    {
        if (!label.HasKeyValues(TextDataViewType.Instance))
            throw new ArgumentException($"key column '{label.Name}' has no text KeyValues annotation (one name per key value) to name the class folders");
        VBuffer<ReadOnlyMemory<char>> names = default;
        label.GetKeyValues(ref names);
        var folders = names.DenseValues().Select(n => SafeName(n.ToString())).ToArray();
        if ((ulong)folders.Length != key.Count)
            throw new ArgumentException($"key column '{label.Name}' has {key.Count} values but {folders.Length} KeyValues");
        var clash = folders.GroupBy(f => f, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null) throw new ArgumentException($"two classes of '{label.Name}' map to the same folder name '{clash.Key}'");
        return folders.Select(f => Path.Combine(root, f)).ToArray();
    }

    /// <summary>A class name as a single folder name: path separators and other invalid characters become '_'.</summary>
    internal static string SafeName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var chars = name.Trim().Select(c => invalid.Contains(c) || c == '/' || c == '\\' ? '_' : c).ToArray();
        var safe = new string(chars);
        return safe is "" or "." or ".." ? "_" + safe : safe;
    }
}
