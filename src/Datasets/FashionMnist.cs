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

    /// <summary>Reads the training (60,000) or test (10,000) images and labels.</summary>
    public static IdxImageSet ReadImageSet(bool train = true, string? directory = null)
    {
        var folder = directory ?? DefaultDirectory;
        var prefix = train ? "train" : "t10k";
        var images = Find(folder, $"{prefix}-images-idx3-ubyte");
        var labels = Find(folder, $"{prefix}-labels-idx1-ubyte");
        return IdxImageSet.Load(images, labels, ClassNames);
    }

    private static string Find(string folder, string name)
    {
        foreach (var candidate in new[] { name + ".gz", name })
        {
            var path = Path.Combine(folder, candidate);
            if (File.Exists(path)) return path;
        }
        var hint = folder == DefaultDirectory
            ? "install Debian's dataset-fashion-mnist package (sudo apt-get install dataset-fashion-mnist) or pass the folder holding the IDX files"
            : "the folder must hold the four Fashion-MNIST IDX files (.gz or raw)";
        throw new FileNotFoundException($"Fashion-MNIST file '{Path.Combine(folder, name + ".gz")}' not found: {hint}", Path.Combine(folder, name + ".gz"));
    }
}
