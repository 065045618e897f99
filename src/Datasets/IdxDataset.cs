using CnnMl.Datasets.Idx;
using CnnMl.Datasets.Views;

namespace CnnMl.Datasets;

/// <summary>
/// Any IDX image/label pair (MNIST, Fashion-MNIST, KMNIST, EMNIST...) as an IDataView with a
/// <c>Label</c> key column whose KeyValues are the class names and a <c>Features</c> float vector
/// [1, H, W] in 0..1. The raw bytes are read once; floats are made per row as cursors read them.
/// </summary>
public static class IdxDataset
{
    /// <summary>
    /// Loads an image file ([N, H, W] unsigned bytes) and its label file ([N]), gzip-compressed or raw.
    /// A wrong magic number, a truncated file, a count mismatch or a label outside
    /// <paramref name="classNames"/> is an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="imagesPath">The IDX image file.</param>
    /// <param name="labelsPath">The IDX label file.</param>
    /// <param name="classNames">The class names, indexed by the 0-based labels of the file.</param>
    /// <param name="options">Row count and order; null for every row in file order.</param>
    public static IDataView Load(MLContext mlContext, string imagesPath, string labelsPath, IReadOnlyList<string> classNames, DatasetLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count is 0 or > 256) throw new ArgumentOutOfRangeException(nameof(classNames), classNames.Count, "an IDX label file has 1 to 256 classes");
        (options ?? new DatasetLoadOptions()).Validate();
        var set = IdxImageSet.Load(imagesPath, labelsPath, classNames);
        var records = new ImageRecords(set.Pixels, 0, set.Height * set.Width, set.Count, 1, set.Height, set.Width,
            new[] { new LabelField("Label", set.Labels, 0, 1, classNames) });
        return new ImageDataView(records, (options ?? new DatasetLoadOptions()).RowOrder(set.Count));
    }
}
