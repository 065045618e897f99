using CnnMl.Datasets;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.ConsoleApp.Data;

/// <summary>
/// Turns image files into what a CNN takes: LoadImages → ResizeImages → (ConvertToGrayscale) →
/// ExtractPixels into a float [C, H, W] <c>Features</c> column scaled to 0..1, the same values the
/// IDX and CIFAR loaders give.
/// </summary>
internal static class ImageInput
{
    public const string PathColumn = ImageFolder.ImagePathColumnName;
    private const string ImageColumn = "Image";

    /// <summary>The image transforms for <paramref name="channels"/> (1 or 3) channels of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public static IEstimator<ITransformer> Pipeline(MLContext ml, int channels, int height, int width, string featureColumnName = "Features")
    {
        IEstimator<ITransformer> chain = ml.Transforms.LoadImages(ImageColumn, imageFolder: null, inputColumnName: PathColumn)
            .Append(ml.Transforms.ResizeImages(ImageColumn, width, height, ImageColumn, ImageResizingEstimator.ResizingKind.IsoCrop));
        if (channels == 1) chain = chain.Append(ml.Transforms.ConvertToGrayscale(ImageColumn));
        var colors = channels == 1 ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb;
        return chain.Append(ml.Transforms.ExtractPixels(featureColumnName, ImageColumn, colors, ImagePixelExtractingEstimator.ColorsOrder.ARGB, scaleImage: 1f / 255));
    }

    /// <summary>True when <paramref name="schema"/> holds image paths rather than features.</summary>
    public static bool HasPaths(DataViewSchema schema) => schema.GetColumnOrNull(PathColumn) is not null && schema.GetColumnOrNull("Features") is null;

    /// <summary>A data view of the given files, one <c>ImagePath</c> row each (full paths).</summary>
    public static IDataView FromFiles(MLContext ml, IEnumerable<string> files) =>
        ml.Data.LoadFromEnumerable(files.Select(f => new ImageFile { ImagePath = Path.GetFullPath(f) }).ToArray());

    /// <summary>A row of <see cref="FromFiles"/>.</summary>
    private sealed class ImageFile
    {
        public string ImagePath { get; set; } = "";
    }
}
