using CnnMl.Transforms.Image;

namespace CnnMl;

/// <summary>Image transforms on <see cref="TransformsCatalog"/>, as ML.NET's ImageEstimatorsCatalog.</summary>
public static class ImageEstimatorsCatalog
{
    /// <summary>
    /// Loads the images whose paths (relative to <paramref name="imageFolder"/>, or as they are when it is null)
    /// are in <paramref name="inputColumnName"/> into an image column, lazily.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The image column produced.</param>
    /// <param name="imageFolder">The folder the paths are relative to; null for paths used as they are.</param>
    /// <param name="inputColumnName">The text column of paths; <paramref name="outputColumnName"/> when null.</param>
    public static ImageLoadingEstimator LoadImages(this TransformsCatalog catalog, string outputColumnName, string? imageFolder, string? inputColumnName = null) =>
        new(imageFolder, outputColumnName, inputColumnName, rawBytes: false);

    /// <summary>Loads the undecoded bytes of the image files named in <paramref name="inputColumnName"/> into a byte-vector column, lazily.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The vector-of-bytes column produced.</param>
    /// <param name="imageFolder">The folder the paths are relative to; null for paths used as they are.</param>
    /// <param name="inputColumnName">The text column of paths; <paramref name="outputColumnName"/> when null.</param>
    public static ImageLoadingEstimator LoadRawImageBytes(this TransformsCatalog catalog, string outputColumnName, string? imageFolder, string? inputColumnName = null) =>
        new(imageFolder, outputColumnName, inputColumnName, rawBytes: true);

    /// <summary>Resizes images to <paramref name="imageWidth"/> x <paramref name="imageHeight"/>; see <see cref="ImageResizingTransformer"/> for the geometry.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The image column produced, of fixed size.</param>
    /// <param name="imageWidth">Target width.</param>
    /// <param name="imageHeight">Target height.</param>
    /// <param name="inputColumnName">The image column read; <paramref name="outputColumnName"/> when null.</param>
    /// <param name="resizing">How the aspect ratio is handled.</param>
    /// <param name="cropAnchor">Which part IsoCrop keeps.</param>
    public static ImageResizingEstimator ResizeImages(this TransformsCatalog catalog, string outputColumnName, int imageWidth, int imageHeight, string? inputColumnName = null,
        ImageResizingEstimator.ResizingKind resizing = ImageResizingEstimator.ResizingKind.IsoCrop, ImageResizingEstimator.Anchor cropAnchor = ImageResizingEstimator.Anchor.Center) =>
        new(outputColumnName, imageWidth, imageHeight, inputColumnName, resizing, cropAnchor);

    /// <summary>Extracts the pixels of fixed-size images into a vector, [C, H, W] (or [H, W, C] interleaved); see <see cref="ImagePixelExtractingTransformer"/>.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The vector column produced.</param>
    /// <param name="inputColumnName">The image column read; <paramref name="outputColumnName"/> when null.</param>
    /// <param name="colorsToExtract">The colors extracted.</param>
    /// <param name="orderOfExtraction">The order of the colors.</param>
    /// <param name="interleavePixelColors">Whether a pixel's colors are adjacent.</param>
    /// <param name="offsetImage">Subtracted from each value first.</param>
    /// <param name="scaleImage">Multiplies each value second.</param>
    /// <param name="outputAsFloatArray">Float output (else byte, with no offset or scale).</param>
    public static ImagePixelExtractingEstimator ExtractPixels(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        ImagePixelExtractingEstimator.ColorBits colorsToExtract = ImagePixelExtractingEstimator.ColorBits.Rgb,
        ImagePixelExtractingEstimator.ColorsOrder orderOfExtraction = ImagePixelExtractingEstimator.ColorsOrder.ARGB,
        bool interleavePixelColors = false, float offsetImage = 0f, float scaleImage = 1f, bool outputAsFloatArray = true) =>
        new(outputColumnName, inputColumnName, colorsToExtract, orderOfExtraction, interleavePixelColors, offsetImage, scaleImage, outputAsFloatArray);

    /// <summary>Converts images to gray (luma in red, green and blue; alpha kept).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The image column produced.</param>
    /// <param name="inputColumnName">The image column read; <paramref name="outputColumnName"/> when null.</param>
    public static ImageGrayscalingEstimator ConvertToGrayscale(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null) =>
        new(outputColumnName, inputColumnName);
}
