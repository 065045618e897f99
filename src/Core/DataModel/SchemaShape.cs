using System.Collections;
using CnnMl.Data;

namespace CnnMl;

/// <summary>The shape of a schema before data is seen, for estimators' GetOutputSchema (as ML.NET).</summary>
public sealed class SchemaShape : IReadOnlyList<SchemaShape.Column>
{
    private readonly Column[] columns;

    public SchemaShape(IEnumerable<Column> columns) => this.columns = columns.ToArray();

    /// <summary>Scalar, fixed-size vector or variable-size vector.</summary>
    public readonly struct Column
    {
        public enum VectorKind
        {
            Scalar,
            Vector,
            VariableVector,
        }

        internal Column(string name, VectorKind vecKind, DataViewType itemType, bool isKey, SchemaShape? annotations = null)
        {
            Name = name;
            Kind = vecKind;
            ItemType = itemType;
            IsKey = isKey;
            Annotations = annotations ?? new SchemaShape(Array.Empty<Column>());
        }

        public string Name { get; }
        public VectorKind Kind { get; }
        public DataViewType ItemType { get; }
        public bool IsKey { get; }
        public SchemaShape Annotations { get; }

        public override string ToString() => $"{Name}: {Kind} {ItemType}{(IsKey ? " (key)" : "")}";
    }

    /// <summary>The shape of an actual schema.</summary>
    public static SchemaShape Create(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new SchemaShape(schema.Where(c => !c.IsHidden).Select(FromColumn));
    }

    internal static Column FromColumn(DataViewSchema.Column c)
    {
        var annotations = new SchemaShape(c.Annotations.Schema.Select(a => new Column(a.Name, KindOf(a.Type), ItemOf(a.Type), ItemOf(a.Type) is KeyDataViewType)));
        return new Column(c.Name, KindOf(c.Type), ItemOf(c.Type), ItemOf(c.Type) is KeyDataViewType, annotations);
    }

    private static Column.VectorKind KindOf(DataViewType type) => type switch
    {
        VectorDataViewType { IsKnownSize: true } => Column.VectorKind.Vector,
        VectorDataViewType => Column.VectorKind.VariableVector,
        _ => Column.VectorKind.Scalar,
    };

    private static DataViewType ItemOf(DataViewType type) => type is VectorDataViewType v ? v.ItemType : type;

    public int Count => columns.Length;
    public Column this[int index] => columns[index];

    /// <summary>Finds a column by name.</summary>
    public bool TryFindColumn(string name, out Column column)
    {
        for (int i = columns.Length - 1; i >= 0; i--)
        {
            if (columns[i].Name != name) continue;
            column = columns[i];
            return true;
        }
        column = default;
        return false;
    }

    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)columns).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
