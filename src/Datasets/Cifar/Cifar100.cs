using CnnMl.Datasets.Cifar;
using CnnMl.Datasets.Views;

namespace CnnMl.Datasets;

/// <summary>
/// CIFAR-100 (Krizhevsky 2009): 50,000 training and 10,000 test 32x32 color images of 100 classes
/// in 20 superclasses, from the binary version's files (<c>train.bin</c>, <c>test.bin</c>, optional
/// <c>fine_label_names.txt</c> and <c>coarse_label_names.txt</c>). Nothing is ever downloaded.
/// </summary>
public static class Cifar100
{
    /// <summary>The name of the superclass key column.</summary>
    public const string CoarseLabelColumnName = "CoarseLabel";

    /// <summary>The 100 class names used when the folder has no <c>fine_label_names.txt</c>.</summary>
    public static IReadOnlyList<string> DefaultFineClassNames { get; } = new[]
    {
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    };

    /// <summary>The 20 superclass names used when the folder has no <c>coarse_label_names.txt</c>.</summary>
    public static IReadOnlyList<string> DefaultCoarseClassNames { get; } = new[]
    {
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
        "household_electrical_devices", "household_furniture", "insects", "large_carnivores", "large_man-made_outdoor_things",
        "large_natural_outdoor_scenes", "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people",
        "reptiles", "small_mammals", "trees", "vehicles_1", "vehicles_2",
    };

    /// <summary>
    /// The training or test set: <c>Label</c> (the 100 fine classes), <c>CoarseLabel</c> (the 20
    /// superclasses), both keys with their names as KeyValues, and <c>Features</c>, float [3, 32, 32]
    /// (RGB) in 0..1.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="directory">The folder holding train.bin and test.bin (usually <c>cifar-100-binary</c>).</param>
    /// <param name="train">The training set when true, else the test set.</param>
    /// <param name="options">Row count and order; null for every row in file order.</param>
    public static IDataView Load(MLContext mlContext, string directory, bool train = true, DatasetLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new DatasetLoadOptions();
        options.Validate();
        var file = CifarBinary.Require(directory, train ? "train.bin" : "test.bin", "CIFAR-100", "cifar-100-binary.tar.gz");
        var fine = CifarBinary.ClassNames(directory, "fine_label_names.txt", DefaultFineClassNames);
        var coarse = CifarBinary.ClassNames(directory, "coarse_label_names.txt", DefaultCoarseClassNames);
        // Each record: coarse label, fine label, then the image.
        var (data, count) = CifarBinary.Read(new[] { file }, new[] { (CoarseLabelColumnName, coarse.Count), ("Label", fine.Count) });
        const int stride = 2 + CifarBinary.ImageBytes;
        var records = new ImageRecords(data, 2, stride, count, 3, 32, 32, new[]
        {
            new LabelField("Label", data, 1, stride, fine),
            new LabelField(CoarseLabelColumnName, data, 0, stride, coarse),
        });
        return new ImageDataView(records, options.RowOrder(count));
    }
}
