using CnnMl.Datasets.Idx;

namespace CnnMl.Datasets;

/// <summary>
/// MNIST handwritten digits (LeCun et al. 1998): 60,000 training and 10,000 test 28x28 grayscale
/// images, read from a folder holding the four IDX files (<c>train-images-idx3-ubyte[.gz]</c>,
/// <c>train-labels-idx1-ubyte[.gz]</c>, <c>t10k-images-idx3-ubyte[.gz]</c>, <c>t10k-labels-idx1-ubyte[.gz]</c>).
/// Debian packages no MNIST; nothing is ever downloaded.
/// </summary>
public static class Mnist
{
    /// <summary>The class names, "0" to "9".</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The training or test set: <c>Label</c> key (KeyValues "0".."9") and <c>Features</c> float [1, 28, 28] in 0..1.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="directory">The folder holding the IDX files.</param>
    /// <param name="train">The training set when true, else the test set.</param>
    /// <param name="options">Row count and order; null for every row in file order.</param>
    public static IDataView Load(MLContext mlContext, string directory, bool train = true, DatasetLoadOptions? options = null)
    {
        var (images, labels) = IdxFolder.Find(directory, train, "MNIST",
            "put the four MNIST IDX files (from http://yann.lecun.com/exdb/mnist/ or a mirror) in that folder");
        return IdxDataset.Load(mlContext, images, labels, ClassNames, options);
    }
}
