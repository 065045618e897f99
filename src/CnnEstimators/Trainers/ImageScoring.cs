using CnnMl.MlNetInternals;

namespace CnnMl.Trainers;

/// <summary>
/// What scoring computes from a batch of images with a trained network, and the columns it shows:
/// class probabilities as Score and PredictedLabel (a classifier), or the activations entering the
/// final classifier layer as one float vector column (a featurizer). Shared by the batched
/// <see cref="ScoringDataView"/> and the one-row <see cref="ScoringRowMapper"/>.
/// </summary>
internal sealed class ImageScoring
{
    private readonly string? embeddingColumnName;

    private ImageScoring(CnnClassificationTransformer network, string? embeddingColumnName)
    {
        Network = network;
        this.embeddingColumnName = embeddingColumnName;
    }

    /// <summary>Score and PredictedLabel from the network's class probabilities.</summary>
    public static ImageScoring Classes(CnnClassificationTransformer network) => new(network, null);

    /// <summary>One column, <paramref name="outputColumnName"/>, of the network's penultimate activations.</summary>
    public static ImageScoring Embeddings(CnnClassificationTransformer network, string outputColumnName) => new(network, outputColumnName);

    public CnnClassificationTransformer Network { get; }

    /// <summary>Floats computed per row.</summary>
    public int ValuesPerRow => embeddingColumnName is null ? Network.ClassNames.Count : Network.EmbeddingSize;

    /// <summary>Rows computed per network call.</summary>
    public int BatchSize => Math.Max(1, Network.ScoringBatchSize);

    /// <summary><see cref="ValuesPerRow"/> floats for each of <paramref name="count"/> images.</summary>
    public float[] Compute(ReadOnlySpan<float> images, int count) =>
        embeddingColumnName is null ? Network.Score(images, count) : Network.Embed(images, count);

    public DataViewSchema.Column CheckFeatures(DataViewSchema schema)
    {
        var t = Network;
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

    /// <summary>The input columns followed by the output columns.</summary>
    public DataViewSchema OutputSchema(DataViewSchema input)
    {
        CheckFeatures(input);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        if (embeddingColumnName is not null)
        {
            builder.AddColumn(embeddingColumnName, new VectorDataViewType(NumberDataViewType.Single, ValuesPerRow));
            return builder.ToSchema();
        }
        var t = Network;
        var (score, predicted) = OutputColumns.For(input, t.ClassNames);
        builder.AddColumn(t.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, t.ClassNames.Count), score);
        builder.AddColumn(t.PredictedLabelColumnName, new KeyDataViewType(typeof(uint), t.ClassNames.Count), predicted);
        return builder.ToSchema();
    }

    /// <summary>A getter of output column number <paramref name="output"/> (0-based after the input columns) of the row whose values <paramref name="current"/> gives.</summary>
    public ValueGetter<TValue> Getter<TValue>(DataViewSchema.Column column, int output, Func<ReadOnlyMemory<float>> current) =>
        embeddingColumnName is null ? ClassGetter<TValue>(column, output == 0, ValuesPerRow, current) : VectorGetter<TValue>(column, ValuesPerRow, current);

    private static ValueGetter<TValue> VectorGetter<TValue>(DataViewSchema.Column column, int length, Func<ReadOnlyMemory<float>> current)
    {
        ValueGetter<VBuffer<float>> vector = (ref VBuffer<float> value) =>
        {
            var editor = VBufferEditor.Create(ref value, length);
            current().Span.CopyTo(editor.Values);
            value = editor.Commit();
        };
        return vector as ValueGetter<TValue> ?? throw new InvalidOperationException($"column '{column.Name}' holds VBuffer<Single>, not {typeof(TValue).Name}");
    }

    /// <summary>
    /// A getter of Score (<paramref name="score"/> true: the probabilities) or PredictedLabel (the 1-based
    /// key of the largest probability) of the row whose probabilities <paramref name="current"/> gives.
    /// </summary>
    private static ValueGetter<TValue> ClassGetter<TValue>(DataViewSchema.Column column, bool score, int classes, Func<ReadOnlyMemory<float>> current)
    {
        if (score)
        {
            return VectorGetter<TValue>(column, classes, current);
        }
        ValueGetter<uint> predicted = (ref uint value) =>
        {
            var row = current().Span;
            var best = 0;
            for (int i = 1; i < row.Length; i++)
                if (row[i] > row[best]) best = i;
            value = (uint)(best + 1);
        };
        return predicted as ValueGetter<TValue> ?? throw new InvalidOperationException($"column '{column.Name}' holds a UInt32 key, not {typeof(TValue).Name}");
    }
}
