using CnnMl.Data;
using CnnMl.DataView;

namespace CnnMl.Trainers;

/// <summary>
/// The lazy output of <see cref="CnnClassificationTransformer"/>: input columns plus Score and
/// PredictedLabel. A cursor reads up to ScoringBatchSize rows ahead, scores them in one network
/// call, then serves them in order (pass-through columns from a row buffer).
/// </summary>
internal sealed class ScoringDataView : IDataView
{
    private readonly CnnClassificationTransformer transformer;
    private readonly IDataView source;
    private readonly DataViewSchema.Column features;

    public ScoringDataView(CnnClassificationTransformer transformer, IDataView source)
    {
        this.transformer = transformer;
        this.source = source;
        features = CheckFeatures(transformer, source.Schema);
        Schema = OutputSchema(transformer, source.Schema);
    }

    public bool CanShuffle => false;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => source.GetRowCount();

    private static DataViewSchema.Column CheckFeatures(CnnClassificationTransformer t, DataViewSchema schema)
    {
        var column = schema.GetColumnOrNull(t.FeatureColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"{t.Architecture} scoring: features column '{t.FeatureColumnName}' not found; the columns are: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}");
        var size = t.Channels * t.Height * t.Width;
        if (t.EncodedImages)
        {
            if (column.Type is VectorDataViewType { ItemType: var byteItem } && byteItem == NumberDataViewType.Byte) return column;
            throw new ArgumentOutOfRangeException(nameof(schema), $"{t.Architecture} scoring: column '{t.FeatureColumnName}' has type {column.Type}; this model was trained on encoded image bytes (a Byte vector, as LoadRawImageBytes gives)");
        }
        if (column.Type is not VectorDataViewType { ItemType: var item } vector || item != NumberDataViewType.Single || (vector.Size != 0 && vector.Size != size))
            throw new ArgumentOutOfRangeException(nameof(schema), $"{t.Architecture} scoring: column '{t.FeatureColumnName}' has type {column.Type}, expected a float vector of {size} values ({t.Channels}x{t.Height}x{t.Width})");
        return column;
    }

    internal static DataViewSchema OutputSchema(CnnClassificationTransformer t, DataViewSchema input)
    {
        CheckFeatures(t, input);
        var names = t.ClassNames.Select(n => n.AsMemory()).ToArray();
        ValueGetter<VBuffer<ReadOnlyMemory<char>>> nameGetter = (ref VBuffer<ReadOnlyMemory<char>> value) => value = new VBuffer<ReadOnlyMemory<char>>(names.Length, (ReadOnlyMemory<char>[])names.Clone());
        var textVector = new VectorDataViewType(TextDataViewType.Instance, names.Length);
        var slotNames = new DataViewSchema.AnnotationsBuilder();
        slotNames.Add(AnnotationKinds.SlotNames, textVector, nameGetter);
        var keyValues = new DataViewSchema.AnnotationsBuilder();
        keyValues.Add(AnnotationKinds.KeyValues, textVector, nameGetter);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(t.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, names.Length), slotNames.ToAnnotations());
        builder.AddColumn(t.PredictedLabelColumnName, new KeyDataViewType(typeof(uint), names.Length), keyValues.ToAnnotations());
        return builder.ToSchema();
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        var sourceCount = source.Schema.Count;
        var scoring = needed.Contains(sourceCount) || needed.Contains(sourceCount + 1);
        var passThrough = needed.Where(i => i < sourceCount).Select(i => source.Schema[i]).ToList();
        var inputColumns = scoring ? passThrough.Append(features).DistinctBy(c => c.Index) : passThrough;
        var input = source.GetRowCursor(inputColumns);
        return new Cursor(this, input, needed, passThrough, scoring);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ScoringDataView parent;
        private readonly DataViewRowCursor input;
        private readonly HashSet<int> active;
        private readonly bool scoring;
        private readonly RowBatchBuffer buffer;
        private readonly ImageRowReader? featureReader;
        private readonly float[] images;
        private readonly int batchSize;
        private readonly int imageSize;
        private readonly int classes;
        private float[] probabilities = Array.Empty<float>();
        private int index = -1;
        private long position = -1;
        private bool inputDone;

        public Cursor(ScoringDataView parent, DataViewRowCursor input, HashSet<int> active, List<DataViewSchema.Column> passThrough, bool scoring)
        {
            this.parent = parent;
            this.input = input;
            this.active = active;
            this.scoring = scoring;
            var t = parent.transformer;
            batchSize = Math.Max(1, t.ScoringBatchSize);
            imageSize = t.Channels * t.Height * t.Width;
            classes = t.ClassNames.Count;
            buffer = new RowBatchBuffer(input, passThrough, batchSize);
            images = scoring ? new float[batchSize * imageSize] : Array.Empty<float>();
            featureReader = scoring ? ImageReader.Create(input, parent.features, t.Channels, t.Height, t.Width, t.EncodedImages) : null;
        }

        public override long Position => position;
        public override long Batch => 0;
        public override DataViewSchema Schema => parent.Schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (++index >= buffer.Count)
            {
                if (inputDone || !Fill()) return false;
                index = 0;
            }
            position++;
            return true;
        }

        private bool Fill()
        {
            buffer.Clear();
            while (buffer.Count < batchSize && input.MoveNext())
            {
                featureReader?.Invoke(images.AsSpan(buffer.Count * imageSize, imageSize), input.Position);
                buffer.Append();
            }
            if (buffer.Count < batchSize) inputDone = true;
            if (buffer.Count == 0) return false;
            if (scoring) probabilities = parent.transformer.Score(images, buffer.Count);
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = buffer.Id(index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var sourceCount = parent.source.Schema.Count;
            if (column.Index < sourceCount) return buffer.Getter<TValue>(parent.source.Schema[column.Index], () => index);
            if (column.Index == sourceCount)
            {
                ValueGetter<VBuffer<float>> score = (ref VBuffer<float> value) =>
                {
                    var storage = value.Reuse(classes);
                    probabilities.AsSpan(index * classes, classes).CopyTo(storage);
                    value = new VBuffer<float>(classes, storage);
                };
                return score as ValueGetter<TValue> ?? throw new InvalidOperationException($"column '{column.Name}' holds VBuffer<Single>, not {typeof(TValue).Name}");
            }
            ValueGetter<uint> predicted = (ref uint value) =>
            {
                var row = probabilities.AsSpan(index * classes, classes);
                var best = 0;
                for (int i = 1; i < row.Length; i++)
                    if (row[i] > row[best]) best = i;
                value = (uint)(best + 1);
            };
            return predicted as ValueGetter<TValue> ?? throw new InvalidOperationException($"column '{column.Name}' holds a UInt32 key, not {typeof(TValue).Name}");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
        }
    }
}
