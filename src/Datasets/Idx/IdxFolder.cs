namespace CnnMl.Datasets.Idx;

/// <summary>
/// The file naming shared by MNIST, Fashion-MNIST and KMNIST: <c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>,
/// each gzip-compressed (<c>.gz</c>) or raw.
/// </summary>
internal static class IdxFolder
{
    /// <summary>The (images, labels) paths of the training or test split in <paramref name="folder"/>; a missing file is a <see cref="FileNotFoundException"/> naming it and <paramref name="howToGet"/>.</summary>
    public static (string Images, string Labels) Find(string folder, bool train, string datasetName, string howToGet)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var prefix = train ? "train" : "t10k";
        return (File(folder, $"{prefix}-images-idx3-ubyte", datasetName, howToGet), File(folder, $"{prefix}-labels-idx1-ubyte", datasetName, howToGet));
    }

    private static string File(string folder, string name, string datasetName, string howToGet)
    {
        foreach (var candidate in new[] { name + ".gz", name })
        {
            var path = Path.Combine(folder, candidate);
            if (System.IO.File.Exists(path)) return path;
        }
        var expected = Path.Combine(folder, name + ".gz");
        throw new FileNotFoundException($"{datasetName} file '{expected}' (or '{Path.Combine(folder, name)}') not found: {howToGet}. CnnMl never downloads datasets.", expected);
    }
}
