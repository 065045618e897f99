using System.Collections;
using CnnMl.Data;

namespace CnnMl;

/// <summary>The columns of a data view: names, types and annotations, as ML.NET's DataViewSchema.</summary>
public sealed class DataViewSchema : IReadOnlyList<DataViewSchema.Column>
{
    private readonly Column[] columns;

    private DataViewSchema(IEnumerable<(string Name, DataViewType Type, Annotations? Annotations)> definitions)
    {
        var list = definitions.ToList();
        columns = new Column[list.Count];
        var visible = new Dictionary<string, int>();
        for (int i = 0; i < list.Count; i++) visible[list[i].Name] = i;
        for (int i = 0; i < list.Count; i++)
        {
            var (name, type, annotations) = list[i];
            columns[i] = new Column(name, i, visible[name] != i, type, annotations ?? Annotations.Empty);
        }
    }

    /// <summary>A column: its name, position, type and annotations. Hidden columns are shadowed by a later column of the same name.</summary>
    public readonly struct Column
    {
        internal Column(string name, int index, bool isHidden, DataViewType type, Annotations annotations)
        {
            Name = name;
            Index = index;
            IsHidden = isHidden;
            Type = type;
            Annotations = annotations;
        }

        public string Name { get; }
        public int Index { get; }
        public bool IsHidden { get; }
        public DataViewType Type { get; }
        public Annotations Annotations { get; }

        public override string ToString() => $"{Name} ({Index}): {Type}";
    }

    /// <summary>Named values attached to a column, such as KeyValues (category names) and SlotNames.</summary>
    public sealed class Annotations
    {
        internal static Annotations Empty { get; } = new(new List<(string, DataViewType, Delegate)>());

        private readonly List<(string Kind, DataViewType Type, Delegate Getter)> items;

        internal Annotations(List<(string Kind, DataViewType Type, Delegate Getter)> items)
        {
            this.items = items;
            Schema = new DataViewSchema(items.Select(i => (i.Kind, i.Type, (Annotations?)null)));
        }

        /// <summary>The kinds and types of the annotations.</summary>
        public DataViewSchema Schema { get; }

        /// <summary>Reads the annotation of the given kind.</summary>
        public void GetValue<TValue>(string kind, ref TValue value)
        {
            foreach (var item in items)
            {
                if (item.Kind != kind) continue;
                if (item.Getter is not ValueGetter<TValue> getter)
                    throw new InvalidOperationException($"annotation '{kind}' is of type {item.Type}, not {typeof(TValue).Name}");
                getter(ref value);
                return;
            }
            throw new InvalidOperationException($"no annotation '{kind}'; present: {(items.Count == 0 ? "none" : string.Join(", ", items.Select(i => i.Kind)))}");
        }

        internal bool Has(string kind) => items.Any(i => i.Kind == kind);

        internal IEnumerable<(string Kind, DataViewType Type, Delegate Getter)> Items => items;
    }

    /// <summary>Builds annotations.</summary>
    public sealed class AnnotationsBuilder
    {
        private readonly List<(string, DataViewType, Delegate)> items = new();

        public void Add<TValue>(string kind, DataViewType type, ValueGetter<TValue> getter)
        {
            ArgumentException.ThrowIfNullOrEmpty(kind);
            items.RemoveAll(i => i.Item1 == kind);
            items.Add((kind, type, getter));
        }

        /// <summary>Adds every annotation of <paramref name="annotations"/>.</summary>
        public void Add(Annotations annotations)
        {
            foreach (var item in annotations.Items)
            {
                items.RemoveAll(i => i.Item1 == item.Kind);
                items.Add(item);
            }
        }

        public Annotations ToAnnotations() => new(items.ToList());
    }

    /// <summary>Builds a schema.</summary>
    public sealed class Builder
    {
        private readonly List<(string, DataViewType, Annotations?)> columns = new();

        public void AddColumn(string name, DataViewType type, Annotations? annotations = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentNullException.ThrowIfNull(type);
            columns.Add((name, type, annotations));
        }

        /// <summary>Adds every column of <paramref name="schema"/>.</summary>
        public void AddColumns(IEnumerable<Column> schema)
        {
            foreach (var c in schema) columns.Add((c.Name, c.Type, c.Annotations));
        }

        public DataViewSchema ToSchema() => new(columns);
    }

    /// <summary>Number of columns (hidden ones included).</summary>
    public int Count => columns.Length;

    public Column this[int index] => columns[index];

    /// <summary>The visible column of that name; the error lists the columns that exist.</summary>
    public Column this[string name] => GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(name), $"column '{name}' does not exist; the columns are: {string.Join(", ", columns.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}");

    /// <summary>The visible column of that name, or null.</summary>
    public Column? GetColumnOrNull(string name)
    {
        for (int i = columns.Length - 1; i >= 0; i--)
            if (columns[i].Name == name) return columns[i];
        return null;
    }

    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)columns).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(", ", columns.Where(c => !c.IsHidden).Select(c => $"{c.Name}: {c.Type}"));
}
