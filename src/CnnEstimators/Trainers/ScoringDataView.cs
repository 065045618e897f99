namespace CnnMl.Trainers;

/// <summary>
/// The lazy output of a CNN transformer: the input columns plus what <see cref="ImageScoring"/> adds.
/// A cursor reads up to ScoringBatchSize rows ahead, runs them through the network in one call, then
/// serves them in order (pass-through columns from a row buffer).
/// </summary>
internal sealed class ScoringDataView : IDataView
{
    private readonly ImageScoring scoring;
    private readonly IDataView source;
    private readonly DataViewSchema.Column features;

    public ScoringDataView(ImageScoring scoring, IDataView source)
    {
        this.scoring = scoring;
        this.source = source;
        features = scoring.CheckFeatures(source.Schema);
        Schema = scoring.OutputSchema(source.Schema);
    }

    public bool CanShuffle => false;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        var sourceCount = source.Schema.Count;
        var computing = needed.Any(i => i >= sourceCount);
        var passThrough = needed.Where(i => i < sourceCount).Select(i => source.Schema[i]).ToList();
        var inputColumns = computing ? passThrough.Append(features).DistinctBy(c => c.Index) : passThrough;
        var input = source.GetRowCursor(inputColumns);
        return new Cursor(this, input, needed, passThrough, computing);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ScoringDataView parent;
        private readonly DataViewRowCursor input;
        private readonly HashSet<int> active;
        private readonly bool computing;
        private readonly RowBatchBuffer buffer;
        private readonly ImageRowReader? featureReader;
        private readonly float[] images;
        private readonly int batchSize;
        private readonly int imageSize;
        private readonly int valuesPerRow;
        private float[] outputs = [];
        private int index = -1;
        private long position = -1;
        private bool inputDone;

        public Cursor(ScoringDataView parent, DataViewRowCursor input, HashSet<int> active, List<DataViewSchema.Column> passThrough, bool computing)
        {
            this.parent = parent;
            this.input = input;
            this.active = active;
            this.computing = computing;
            var t = parent.scoring.Network;
            batchSize = parent.scoring.BatchSize;
            imageSize = t.Channels * t.Height * t.Width;
            valuesPerRow = computing ? parent.scoring.ValuesPerRow : 0;
            buffer = new RowBatchBuffer(input, passThrough, batchSize);
            images = computing ? new float[batchSize * imageSize] : Array.Empty<float>();
            featureReader = computing ? ImageReader.Create(input, parent.features, t.Channels, t.Height, t.Width, t.EncodedImages) : null;
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
            if (computing) outputs = parent.scoring.Compute(images, buffer.Count);
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = buffer.Id(index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var sourceCount = parent.source.Schema.Count;
            if (column.Index < sourceCount) return buffer.Getter<TValue>(parent.source.Schema[column.Index], () => index);
            return parent.scoring.Getter<TValue>(column, column.Index - sourceCount, () => outputs.AsMemory(index * valuesPerRow, valuesPerRow));
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
        }
    }
}
