using System.Collections;
using CnnMl.Data;
using CnnMl.DataView;

namespace CnnMl;

/// <summary>
/// Runs a fitted pipeline on single examples (as ML.NET's PredictionEngine). The pipeline is bound
/// to a one-row view of <typeparamref name="TSrc"/> once; each <see cref="Predict(TSrc)"/> reads that
/// row through it. Not thread-safe: use one engine per thread (concurrent calls are detected and
/// refused with an <see cref="InvalidOperationException"/>), or a <see cref="PredictionEnginePool{TSrc, TDst}"/>
/// (<c>mlContext.Model.CreatePredictionEnginePool</c>) to serve many threads.
/// </summary>
/// <typeparam name="TSrc">The input class; its public fields and properties are the input columns.</typeparam>
/// <typeparam name="TDst">The output class; its members are filled from the output columns of the same name.</typeparam>
public sealed class PredictionEngine<TSrc, TDst> : IDisposable
    where TSrc : class
    where TDst : class, new()
{
    private readonly CurrentExample source = new();
    private readonly IDataView output;
    private readonly (RowMember Member, DataViewSchema.Column Column)[] targets;
    private int busy;
    private bool disposed;

    internal PredictionEngine(ITransformer transformer, bool ignoreMissingColumns)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        var input = new EnumerableDataView<TSrc>(source);
        output = transformer.Transform(input);
        OutputSchema = output.Schema;
        var list = new List<(RowMember, DataViewSchema.Column)>();
        foreach (var member in RowMember.Of(typeof(TDst)).Where(m => m.CanWrite))
        {
            if (OutputSchema.GetColumnOrNull(member.ColumnName) is not { } column)
            {
                if (ignoreMissingColumns) continue;
                throw new ArgumentOutOfRangeException(nameof(ignoreMissingColumns), $"{typeof(TDst).Name}.{member.Member.Name} reads column '{member.ColumnName}', which the model does not produce; the columns are: {string.Join(", ", OutputSchema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}");
            }
            if (!CanWrite(column.Type.RawType, member.MemberType))
                throw new ArgumentOutOfRangeException(nameof(transformer), $"{typeof(TDst).Name}.{member.Member.Name} is {member.MemberType.Name} but column '{column.Name}' has type {column.Type}");
            list.Add((member, column));
        }
        targets = list.ToArray();
    }

    /// <summary>The schema of the pipeline's output.</summary>
    public DataViewSchema OutputSchema { get; }

    /// <summary>Runs the pipeline on <paramref name="example"/> and returns a new prediction object.</summary>
    public TDst Predict(TSrc example)
    {
        TDst? prediction = null;
        Predict(example, ref prediction!);
        return prediction;
    }

    /// <summary>Runs the pipeline on <paramref name="example"/> and fills <paramref name="prediction"/> (created when null).</summary>
    public void Predict(TSrc example, ref TDst prediction)
    {
        ArgumentNullException.ThrowIfNull(example);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (Interlocked.Exchange(ref busy, 1) != 0)
            throw new InvalidOperationException("PredictionEngine is not thread-safe and Predict was called concurrently; create one engine per thread");
        try
        {
            source.Current = example;
            using var cursor = output.GetRowCursor(targets.Select(t => t.Column));
            if (!cursor.MoveNext()) throw new InvalidOperationException("the pipeline produced no row for the example (does it filter rows?)");
            prediction ??= new TDst();
            foreach (var (member, column) in targets) RowValueConverter.MakeWriter(member, cursor, column)(prediction);
        }
        finally
        {
            source.Current = null;
            Volatile.Write(ref busy, 0);
        }
    }

    /// <summary>Releases the engine; it cannot predict afterwards.</summary>
    public void Dispose() => disposed = true;

    private static bool CanWrite(Type raw, Type member)
    {
        if (raw == typeof(ReadOnlyMemory<char>)) return member == typeof(string) || member == typeof(ReadOnlyMemory<char>);
        if (raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>))
            return member == raw || (member.IsArray && member.GetElementType() == raw.GetGenericArguments()[0]);
        return member.IsAssignableFrom(raw);
    }

    /// <summary>A one-row enumeration of the example being predicted.</summary>
    private sealed class CurrentExample : IEnumerable<TSrc>
    {
        public TSrc? Current { get; set; }

        public IEnumerator<TSrc> GetEnumerator()
        {
            if (Current is { } example) yield return example;
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
