using CnnMl.Datasets.Cifar;
using CnnMl.Datasets.Views;

namespace CnnMl.Datasets;

/// <summary>
/// CIFAR-10 (Krizhevsky 2009): 50,000 training and 10,000 test 32x32 color images of 10 classes,
/// from the binary version's files (<c>data_batch_1.bin</c> to <c>data_batch_5.bin</c>,
/// <c>test_batch.bin</c>, optional <c>batches.meta.txt</c>). Nothing is ever downloaded.
/// </summary>
public static class Cifar10
{
    /// <summary>The class names used when the folder has no <c>batches.meta.txt</c>.</summary>
    public static IReadOnlyList<string> DefaultClassNames { get; } = new[]
    {
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    };

    /// <summary>The training batch files, in the order their rows are read.</summary>
    public static IReadOnlyList<string> TrainFiles { get; } = Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray();

    /// <summary>The test batch file.</summary>
    public const string TestFile = "test_batch.bin";

    /// <summary>
    /// The training or test set: <c>Label</c>, a key whose KeyValues are the names of
    /// <c>batches.meta.txt</c> (or <see cref="DefaultClassNames"/>), and <c>Features</c>, float [3, 32, 32]
    /// (RGB) in 0..1.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="directory">The folder holding the .bin files (usually <c>cifar-10-batches-bin</c>).</param>
    /// <param name="train">The training set when true, else the test set.</param>
    /// <param name="options">Row count and order; null for every row in file order.</param>
    public static IDataView Load(MLContext mlContext, string directory, bool train = true, DatasetLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new DatasetLoadOptions();
        options.Validate();
        var files = (train ? TrainFiles : new[] { TestFile }).Select(f => CifarBinary.Require(directory, f, "CIFAR-10", "cifar-10-binary.tar.gz")).ToArray();
        var names = CifarBinary.ClassNames(directory, "batches.meta.txt", DefaultClassNames);
        var (data, count) = CifarBinary.Read(files, new[] { ("Label", names.Count) });
        const int stride = 1 + CifarBinary.ImageBytes;
        var records = new ImageRecords(data, 1, stride, count, 3, 32, 32, new[] { new LabelField("Label", data, 0, stride, names) });
        return new ImageDataView(records, options.RowOrder(count));
    }
}
