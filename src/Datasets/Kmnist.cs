using CnnMl.Datasets.Idx;

namespace CnnMl.Datasets;

/// <summary>
/// Kuzushiji-MNIST (Clanuwat et al. 2018): 10 classes of cursive hiragana in MNIST's IDX format and
/// file names, read from a folder holding the four IDX files. Nothing is ever downloaded.
/// </summary>
public static class Kmnist
{
    /// <summary>The class names: the romanized hiragana o, ki, su, tsu, na, ha, ma, ya, re, wo.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = new[] { "o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo" };

    /// <summary>The training or test set: <c>Label</c> key (KeyValues <see cref="ClassNames"/>) and <c>Features</c> float [1, 28, 28] in 0..1.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="directory">The folder holding the IDX files.</param>
    /// <param name="train">The training set when true, else the test set.</param>
    /// <param name="options">Row count and order; null for every row in file order.</param>
    public static IDataView Load(MLContext mlContext, string directory, bool train = true, DatasetLoadOptions? options = null)
    {
        var (images, labels) = IdxFolder.Find(directory, train, "KMNIST",
            "put the four KMNIST IDX files (from https://github.com/rois-codh/kmnist) in that folder");
        return IdxDataset.Load(mlContext, images, labels, ClassNames, options);
    }
}
