using CnnMl.Datasets.Idx;

namespace CnnMl.Datasets;

/// <summary>
/// Fashion-MNIST (Xiao et al. 2017): 70,000 28x28 grayscale images of 10 clothing classes.
/// Read from where Debian's <c>dataset-fashion-mnist</c> package installs it, or from a folder
/// holding the four IDX files. Nothing is ever downloaded.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    };

    /// <summary>
    /// The training (60,000 rows) or test (10,000 rows) set as an IDataView: <c>Label</c>, a key
    /// whose KeyValues are <see cref="ClassNames"/>, and <c>Features</c>, float [1, 28, 28] in 0..1.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="train">The training set when true, else the test set.</param>
    /// <param name="directory">The folder holding the IDX files; null for <see cref="DefaultDirectory"/>.</param>
    /// <param name="options">Row count and order; null for every row in file order.</param>
    public static IDataView Load(MLContext mlContext, bool train = true, string? directory = null, DatasetLoadOptions? options = null)
    {
        var (images, labels) = Files(train, directory);
        return IdxDataset.Load(mlContext, images, labels, ClassNames, options);
    }

    /// <summary>Reads the training (60,000) or test (10,000) images and labels into memory.</summary>
    public static IdxImageSet ReadImageSet(bool train = true, string? directory = null)
    {
        var (images, labels) = Files(train, directory);
        return IdxImageSet.Load(images, labels, ClassNames);
    }

    private static (string Images, string Labels) Files(bool train, string? directory)
    {
        var folder = directory ?? DefaultDirectory;
        var hint = folder == DefaultDirectory
            ? "install Debian's dataset-fashion-mnist package (sudo apt-get install dataset-fashion-mnist) or pass the folder holding the IDX files"
            : "the folder must hold the four Fashion-MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; .gz or raw)";
        return IdxFolder.Find(folder, train, "Fashion-MNIST", hint);
    }
}
