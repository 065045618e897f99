using CnnMl.Datasets.Folders;
using CnnMl.Torch.Imaging;

namespace CnnMl.Datasets;

/// <summary>
/// A folder of images in class subfolders (<c>root/&lt;class name&gt;/**/*.{png,jpg,jpeg,bmp}</c>, as
/// torchvision's ImageFolder) as an IDataView: <c>ImagePath</c> (text, the full path, for
/// LoadImages or LoadRawImageBytes) and <c>Label</c> (a key whose KeyValues are the class folder
/// names in ordinal order). Files are listed in ordinal path order; images are not decoded unless
/// <c>validateImages</c> asks.
/// </summary>
public static class ImageFolder
{
    /// <summary>The name of the path column.</summary>
    public const string ImagePathColumnName = "ImagePath";

    /// <summary>The file extensions read (any case).</summary>
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".png", ".jpg", ".jpeg", ".bmp" };

    /// <summary>Every image under <paramref name="root"/>.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="root">The folder whose subfolders are the classes.</param>
    /// <param name="options">Row count and order; null for every file in path order.</param>
    /// <param name="validateImages">Decode every image now, so an unreadable one is an <see cref="InvalidDataException"/> naming it before training starts.</param>
    public static IDataView Load(MLContext mlContext, string root, DatasetLoadOptions? options = null, bool validateImages = false)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        options ??= new DatasetLoadOptions();
        options.Validate();
        var (files, classes) = Scan(root, validateImages);
        return new ImageFileDataView(files, classes, options.RowOrder(files.Count));
    }

    /// <summary>
    /// The images under <paramref name="root"/> split into a training and a validation set: in every
    /// class, a seeded random <paramref name="validationFraction"/> of the files (rounded) goes to
    /// validation. Both sets keep path order (shuffle them with the options).
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="root">The folder whose subfolders are the classes.</param>
    /// <param name="validationFraction">The share of each class for validation, between 0 and 1 (exclusive).</param>
    /// <param name="seed">The split seed.</param>
    /// <param name="options">Row count and order, applied to each set; null for every file in path order.</param>
    /// <param name="validateImages">Decode every image now, so an unreadable one is an error naming it.</param>
    public static ImageFolderSplit LoadSplit(MLContext mlContext, string root, double validationFraction, int? seed = null, DatasetLoadOptions? options = null, bool validateImages = false)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "validationFraction must be between 0 and 1 (exclusive)");
        options ??= new DatasetLoadOptions();
        options.Validate();
        var (files, classes) = Scan(root, validateImages);
        var random = new Random(seed ?? 0);
        var validation = new bool[files.Count];
        foreach (var group in Enumerable.Range(0, files.Count).GroupBy(i => files[i].ClassIndex).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            random.Shuffle(members);
            foreach (var i in members.Take((int)Math.Round(members.Length * validationFraction, MidpointRounding.AwayFromZero))) validation[i] = true;
        }
        var train = files.Where((_, i) => !validation[i]).ToArray();
        var valid = files.Where((_, i) => validation[i]).ToArray();
        return new ImageFolderSplit(
            new ImageFileDataView(train, classes, options.RowOrder(train.Length)),
            new ImageFileDataView(valid, classes, options.RowOrder(valid.Length)));
    }

    private static (IReadOnlyList<ImageFile> Files, IReadOnlyList<string> Classes) Scan(string root, bool validateImages)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"image folder '{full}' does not exist; it should hold one subfolder of images per class");
        var classFolders = Directory.GetDirectories(full).OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToArray();
        if (classFolders.Length == 0) throw new InvalidDataException($"image folder '{full}' has no class subfolders; expected '{full}/<class name>/<image>.png'");
        var files = new List<ImageFile>();
        for (int c = 0; c < classFolders.Length; c++)
        {
            var images = Directory.EnumerateFiles(classFolders[c], "*", SearchOption.AllDirectories)
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToArray();
            if (images.Length == 0)
                throw new InvalidDataException($"class folder '{classFolders[c]}' holds no images ({string.Join(", ", Extensions)}); remove it or add images");
            files.AddRange(images.Select(f => new ImageFile(f, c)));
        }
        if (validateImages)
            foreach (var file in files) Validate(file.Path);
        return (files, classFolders.Select(d => Path.GetFileName(d)).ToArray());
    }

    private static void Validate(string path)
    {
        try
        {
            ImageCodec.Decode(File.ReadAllBytes(path), out _, out _, out _);
        }
        catch (Exception e) when (e is CnnMl.Torch.TorchException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"'{path}' is not a readable image: {e.Message}", e);
        }
    }
}

/// <summary>A training set and a validation set drawn from one image folder.</summary>
/// <param name="TrainSet">The training images.</param>
/// <param name="ValidationSet">The validation images.</param>
public sealed record ImageFolderSplit(IDataView TrainSet, IDataView ValidationSet);
