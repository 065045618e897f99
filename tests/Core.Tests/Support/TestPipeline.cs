using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Model;
using CnnMl.Transforms;

namespace CnnMl.Core.Tests.Support;

/// <summary>A labelled example: a key label with three classes and four features.</summary>
public sealed class FeatureRow
{
    [KeyType(3)]
    public uint Label { get; set; }

    [VectorType(4)]
    public float[] Features { get; set; } = Array.Empty<float>();

    public string Group { get; set; } = "";
}

/// <summary>What the test classifier predicts.</summary>
public sealed class ScoreRow
{
    [VectorType(3)]
    public float[] Score { get; set; } = Array.Empty<float>();

    [KeyType(3)]
    public uint PredictedLabel { get; set; }
}

/// <summary>Saveable test transformers (registered once) and data for the evaluation and model-file tests.</summary>
internal static class TestPipeline
{
    private static readonly object Gate = new();
    private static bool registered;

    public static readonly string[] ClassNames = { "cat", "dog", "fish" };

    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (registered) return;
            TransformerRegistry.Register(ScaleTransformer.KindName, ScaleTransformer.Load);
            TransformerRegistry.Register(CentroidTransformer.KindName, CentroidTransformer.Load);
            TransformerRegistry.Register(KeyNamesTransformer.KindName, KeyNamesTransformer.Load);
            registered = true;
        }
    }

    /// <summary>Three noisy clusters in 4-D, one per class; groups of 3 consecutive rows share a Group.</summary>
    public static List<FeatureRow> Clusters(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<FeatureRow>();
        for (int i = 0; i < count; i++)
        {
            var c = random.Next(3);
            var features = new float[4];
            for (int d = 0; d < 4; d++) features[d] = (d == c ? 3f : 0f) + (float)(random.NextDouble() * 2 - 1);
            rows.Add(new FeatureRow { Label = (uint)c + 1, Features = features, Group = $"g{i / 3}" });
        }
        return rows;
    }

    /// <summary>Scale → centroid classifier, with KeyValues on the label.</summary>
    public static IEstimator<ITransformer> Estimator() =>
        new FixedEstimator(new KeyNamesTransformer("Label", ClassNames))
            .Append(new FixedEstimator(new ScaleTransformer("Features", 0.5f)))
            .Append(new CentroidEstimator());
}

/// <summary>An estimator that returns a given transformer.</summary>
internal sealed class FixedEstimator(ITransformer transformer) : IEstimator<ITransformer>
{
    public ITransformer Fit(IDataView input) => transformer;

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => SchemaShape.Create(transformer.GetOutputSchema(SchemaShapes.ToSchema(inputSchema)));
}

/// <summary>Multiplies a Single vector column by a factor (options only).</summary>
internal sealed class ScaleTransformer(string column, float factor) : RowToRowTransformerBase
{
    public const string KindName = "Tests.Scale";

    internal override IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema)
    {
        var type = inputSchema[column].Type;
        return new[]
        {
            new ComputedColumn(column, type, null, new[] { column }, row =>
            {
                var get = row.GetGetter<VBuffer<float>>(row.Schema[column]);
                VBuffer<float> source = default;
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    get(ref source);
                    var values = source.GetValues().ToArray();
                    for (int i = 0; i < values.Length; i++) values[i] *= factor;
                    value = new VBuffer<float>(values.Length, values);
                });
            }),
        };
    }

    public override void Save(ModelSaveContext ctx)
    {
        ctx.Kind = KindName;
        ctx.Options["column"] = column;
        ctx.Options["factor"] = factor;
    }

    public static ITransformer Load(ModelLoadContext ctx) => new ScaleTransformer(ctx.Get<string>("column"), ctx.Get<float>("factor"));
}

/// <summary>Attaches KeyValues names to a key column.</summary>
internal sealed class KeyNamesTransformer(string column, string[] names) : RowToRowTransformerBase
{
    public const string KindName = "Tests.KeyNames";

    internal override IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema)
    {
        var type = inputSchema[column].Type;
        var annotations = new DataViewSchema.AnnotationsBuilder();
        annotations.Add(AnnotationKinds.KeyValues, new VectorDataViewType(TextDataViewType.Instance, names.Length),
            (ref VBuffer<ReadOnlyMemory<char>> value) => value = new VBuffer<ReadOnlyMemory<char>>(names.Length, names.Select(n => n.AsMemory()).ToArray()));
        return new[] { new ComputedColumn(column, type, annotations.ToAnnotations(), new[] { column }, row => row.GetGetter<uint>(row.Schema[column])) };
    }

    public override void Save(ModelSaveContext ctx)
    {
        ctx.Kind = KindName;
        ctx.Options["column"] = column;
        ctx.Options["names"] = new System.Text.Json.Nodes.JsonArray(names.Select(n => (System.Text.Json.Nodes.JsonNode)n).ToArray());
    }

    public static ITransformer Load(ModelLoadContext ctx) => new KeyNamesTransformer(ctx.Get<string>("column"), ctx.GetStrings("names"));
}

/// <summary>Learns one centroid per class of a key label.</summary>
internal sealed class CentroidEstimator : IEstimator<CentroidTransformer>
{
    public CentroidTransformer Fit(IDataView input)
    {
        var label = input.Schema["Label"];
        var features = input.Schema["Features"];
        int classes = (int)((KeyDataViewType)label.Type).Count;
        int dims = ((VectorDataViewType)features.Type).Size;
        var sums = new double[classes * dims];
        var counts = new int[classes];
        using (var cursor = input.GetRowCursor(new[] { label, features }))
        {
            var getLabel = cursor.GetGetter<uint>(label);
            var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
            uint key = 0;
            VBuffer<float> x = default;
            while (cursor.MoveNext())
            {
                getLabel(ref key);
                getFeatures(ref x);
                if (key == 0) continue;
                counts[key - 1]++;
                var values = x.GetValues();
                for (int d = 0; d < dims; d++) sums[(key - 1) * dims + d] += values[d];
            }
        }
        var centroids = new float[classes * dims];
        for (int c = 0; c < classes; c++)
            for (int d = 0; d < dims; d++) centroids[c * dims + d] = counts[c] == 0 ? 0 : (float)(sums[c * dims + d] / counts[c]);
        return new CentroidTransformer(classes, dims, centroids);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => inputSchema;
}

/// <summary>Scores = softmax of minus the squared distances to the centroids; PredictedLabel = the best class. Saves its centroids as an entry.</summary>
internal sealed class CentroidTransformer(int classes, int dims, float[] centroids) : RowToRowTransformerBase
{
    public const string KindName = "Tests.Centroid";

    internal float[] Centroids => centroids;

    internal override IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema)
    {
        var features = ColumnChecks.Require(inputSchema, "Features", "Centroid", t => t is VectorDataViewType v && v.Size == dims, $"Vector<R4, {dims}>");
        return new[]
        {
            new ComputedColumn("Score", new VectorDataViewType(NumberDataViewType.Single, classes), null, new[] { "Features" }, row =>
            {
                var get = row.GetGetter<VBuffer<float>>(row.Schema[features.Index]);
                VBuffer<float> x = default;
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    get(ref x);
                    var scores = Scores(x.GetValues());
                    value = new VBuffer<float>(scores.Length, scores);
                });
            }),
            new ComputedColumn("PredictedLabel", new KeyDataViewType(typeof(uint), classes), null, new[] { "Features" }, row =>
            {
                var get = row.GetGetter<VBuffer<float>>(row.Schema[features.Index]);
                VBuffer<float> x = default;
                return (ValueGetter<uint>)((ref uint value) =>
                {
                    get(ref x);
                    var scores = Scores(x.GetValues());
                    int best = 0;
                    for (int c = 1; c < classes; c++)
                        if (scores[c] > scores[best]) best = c;
                    value = (uint)best + 1;
                });
            }),
        };
    }

    private float[] Scores(ReadOnlySpan<float> x)
    {
        var logits = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            double d2 = 0;
            for (int d = 0; d < dims; d++) d2 += Math.Pow(x[d] - centroids[c * dims + d], 2);
            logits[c] = -d2;
        }
        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(e => (float)(e / sum)).ToArray();
    }

    public override void Save(ModelSaveContext ctx)
    {
        ctx.Kind = KindName;
        ctx.Options["classes"] = classes;
        ctx.Options["dims"] = dims;
        ctx.WriteEntry("centroids.bin", stream =>
        {
            using var writer = new BinaryWriter(stream);
            foreach (var v in centroids) writer.Write(v);
        });
    }

    public static ITransformer Load(ModelLoadContext ctx)
    {
        int classes = ctx.Get<int>("classes"), dims = ctx.Get<int>("dims");
        var values = new float[classes * dims];
        using (var reader = new BinaryReader(ctx.OpenEntry("centroids.bin")))
            for (int i = 0; i < values.Length; i++) values[i] = reader.ReadSingle();
        return new CentroidTransformer(classes, dims, values);
    }
}
