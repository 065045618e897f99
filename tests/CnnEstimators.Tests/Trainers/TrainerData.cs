using Microsoft.ML.Data;

namespace CnnMl.Trainers.Tests;

/// <summary>A Fashion-MNIST row as a user would declare it for LoadFromEnumerable.</summary>
public sealed class ImageRow
{
    [VectorType(1, 28, 28)]
    public float[] Features { get; set; } = Array.Empty<float>();

    public string Label { get; set; } = "";
}

/// <summary>Small slices of the real Fashion-MNIST (Debian's dataset-fashion-mnist) for trainer tests.</summary>
internal static class TrainerData
{
    private static readonly Lazy<Datasets.Idx.IdxImageSet> Train = new(() => Datasets.FashionMnist.ReadImageSet(train: true));
    private static readonly Lazy<Datasets.Idx.IdxImageSet> Test = new(() => Datasets.FashionMnist.ReadImageSet(train: false));

    public static List<ImageRow> Rows(bool train, int start, int count)
    {
        var set = train ? Train.Value : Test.Value;
        var rows = new List<ImageRow>(count);
        for (int i = start; i < start + count; i++)
        {
            var pixels = set.Image(i);
            var features = new float[pixels.Length];
            for (int p = 0; p < pixels.Length; p++) features[p] = pixels[p] / 255f;
            rows.Add(new ImageRow { Features = features, Label = set.ClassNames[set.Labels[i]] });
        }
        return rows;
    }

    /// <summary>Rows mapped to a keyed Label (class names as KeyValues, in Fashion-MNIST order).</summary>
    public static IDataView Keyed(MLContext ml, IEnumerable<ImageRow> rows)
    {
        var data = ml.Data.LoadFromEnumerable(rows.ToList());
        var keyData = ml.Data.LoadFromEnumerable(Datasets.FashionMnist.ClassNames.Select(n => new LabelName { Label = n }).ToList());
        return ml.Transforms.Conversion.MapValueToKey("Label", keyData: keyData).Fit(data).Transform(data);
    }

    private sealed class LabelName
    {
        public string Label { get; set; } = "";
    }

    public static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("VmRSS not found");
    }

    /// <summary>Every row's Score vector of a scored view, concatenated in row order.</summary>
    public static float[] Scores(IDataView scored) => Column(scored, "Score");

    /// <summary>Every row's vector in the named float-vector column, concatenated in row order.</summary>
    public static float[] Column(IDataView data, string name)
    {
        var column = data.Schema[name];
        using var cursor = data.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var all = new List<float>();
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            all.AddRange(value.GetValues().ToArray());
        }
        return all.ToArray();
    }
}
