using CnnMl.Datasets;

namespace CnnMl.ConsoleApp.Data;

/// <summary>Which part of a dataset a command reads.</summary>
internal enum DatasetPart
{
    /// <summary>The training files, or the training share of an image folder.</summary>
    Train,
    /// <summary>The test files, or the held-out share of an image folder.</summary>
    Test,
    /// <summary>The test files, or every image of an image folder (for evaluate).</summary>
    Evaluation,
}

/// <summary>
/// A <c>--dataset</c> value: <c>fashion-mnist</c> (Debian's files, or <c>fashion-mnist:&lt;dir&gt;</c>),
/// <c>mnist:&lt;dir&gt;</c>, <c>cifar10:&lt;dir&gt;</c> or <c>folder:&lt;dir&gt;</c> (one subfolder per class).
/// IDX and CIFAR sets give <c>Label</c> and <c>Features</c>; image folders give <c>Label</c> and
/// <c>ImagePath</c>, which <see cref="ImageInput"/> turns into features.
/// </summary>
internal sealed record DatasetSpec(string Kind, string? Directory)
{
    public const string Help = "fashion-mnist | fashion-mnist:<dir> | mnist:<dir> | cifar10:<dir> | folder:<dir>";

    /// <summary>Share of an image folder held out as its test part.</summary>
    public const double FolderTestFraction = 0.2;

    /// <summary>A display name, e.g. "Fashion-MNIST" or "folder /data/pets".</summary>
    public string DisplayName => Kind switch
    {
        "fashion-mnist" => "Fashion-MNIST",
        "mnist" => "MNIST",
        "cifar10" => "CIFAR-10",
        _ => $"image folder {Directory}",
    };

    /// <summary>Parses a --dataset value; the error (a usage error, exit code 2) lists the accepted forms.</summary>
    public static DatasetSpec Parse(string text)
    {
        var colon = text.IndexOf(':');
        var kind = (colon < 0 ? text : text[..colon]).Trim().ToLowerInvariant();
        var directory = colon < 0 ? null : text[(colon + 1)..].Trim();
        if (directory == "") directory = null;
        return kind switch
        {
            "fashion-mnist" or "fashionmnist" => new("fashion-mnist", directory),
            "mnist" or "cifar10" or "folder" when directory is not null => new(kind, directory),
            "mnist" or "cifar10" or "folder" => throw new UsageException($"--dataset {kind} needs a folder: {kind}:<dir>"),
            _ => throw new UsageException($"unknown --dataset '{text}'; use {Help}"),
        };
    }

    /// <summary>Loads the given part; <paramref name="limit"/> keeps at most that many rows (a seeded random subset of a folder).</summary>
    public IDataView Load(MLContext ml, DatasetPart part, int? limit, int seed)
    {
        var train = part == DatasetPart.Train;
        var options = new DatasetLoadOptions { MaxRows = limit };
        switch (Kind)
        {
            case "fashion-mnist": return FashionMnist.Load(ml, train, Directory, options);
            case "mnist": return Mnist.Load(ml, Directory!, train, options);
            case "cifar10": return Cifar10.Load(ml, Directory!, train, options);
        }
        // Image folders list files class by class: shuffle (seeded) before taking the first rows.
        var shuffled = new DatasetLoadOptions { Shuffle = true, Seed = seed };
        var view = part == DatasetPart.Evaluation
            ? ImageFolder.Load(ml, Directory!, shuffled)
            : Split(ml, shuffled, seed, train);
        return limit is { } n ? ml.Data.TakeRows(view, n) : view;
    }

    private IDataView Split(MLContext ml, DatasetLoadOptions options, int seed, bool train)
    {
        var split = ImageFolder.LoadSplit(ml, Directory!, FolderTestFraction, seed, options);
        return train ? split.TrainSet : split.ValidationSet;
    }
}
