namespace CnnMl.Trainers;

/// <summary>
/// Scores one row at a time for ML.NET's PredictionEngine: the output row passes the input row's
/// columns through and computes what <see cref="ImageScoring"/> adds when first asked for the current row.
/// </summary>
internal sealed class ScoringRowMapper : IRowToRowMapper
{
    private readonly ImageScoring scoring;
    private readonly DataViewSchema.Column features;

    public ScoringRowMapper(ImageScoring scoring, DataViewSchema inputSchema)
    {
        this.scoring = scoring;
        InputSchema = inputSchema;
        features = scoring.CheckFeatures(inputSchema);
        OutputSchema = scoring.OutputSchema(inputSchema);
    }

    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }

    private bool IsOutput(DataViewSchema.Column column) => column.Index >= InputSchema.Count;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var columns = dependingColumns.ToList();
        var inputs = columns.Where(c => !IsOutput(c)).Select(c => InputSchema[c.Index]);
        return columns.Any(IsOutput) ? inputs.Append(features).DistinctBy(c => c.Index).ToList() : inputs.ToList();
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Schema != InputSchema)
            throw new ArgumentException("the input row's schema is not the one this mapper was made for", nameof(input));
        return new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());
    }

    private sealed class Row : DataViewRow
    {
        private readonly ScoringRowMapper parent;
        private readonly DataViewRow input;
        private readonly HashSet<int> active;
        private readonly ImageRowReader? readImage;
        private readonly float[] image;
        private float[] outputs = [];
        private long computedPosition = -1;

        public Row(ScoringRowMapper parent, DataViewRow input, HashSet<int> active)
        {
            this.parent = parent;
            this.input = input;
            this.active = active;
            var t = parent.scoring.Network;
            var computing = active.Any(i => i >= parent.InputSchema.Count);
            image = computing ? new float[t.Channels * t.Height * t.Width] : [];
            readImage = computing ? ImageReader.Create(input, parent.features, t.Channels, t.Height, t.Width, t.EncodedImages) : null;
        }

        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override DataViewSchema Schema => parent.OutputSchema;
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        private ReadOnlyMemory<float> Outputs()
        {
            if (computedPosition != input.Position || outputs.Length == 0)
            {
                readImage!(image, input.Position);
                outputs = parent.scoring.Compute(image, 1);
                computedPosition = input.Position;
            }
            return outputs;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active.Contains(column.Index)) throw new InvalidOperationException($"column '{column.Name}' was not requested when the row was created");
            if (!parent.IsOutput(column)) return input.GetGetter<TValue>(parent.InputSchema[column.Index]);
            return parent.scoring.Getter<TValue>(column, column.Index - parent.InputSchema.Count, Outputs);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
        }
    }
}
