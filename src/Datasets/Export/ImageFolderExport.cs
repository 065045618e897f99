using CnnMl.Torch.Imaging;

namespace CnnMl.Datasets;

/// <summary>Writing a dataset out as image files (on <see cref="DataOperationsCatalog"/>).</summary>
public static class ImageFolderExport
{
    /// <summary>
    /// Writes every row of <paramref name="data"/> as a PNG file in a folder named after its class,
    /// <c>folder/&lt;class name&gt;/&lt;row&gt;.png</c>, so <see cref="ImageFolder"/> and the LoadImages
    /// pipeline can read it back. The features must be a float vector [C, H, W] in 0..1 with C = 1
    /// (gray) or 3 (RGB); values are scaled by 255, rounded and clamped. The label is a key column
    /// with KeyValues (folder names are the class names, with characters a file name cannot hold
    /// replaced by '_') or a text column. Existing files of the same names are overwritten.
    /// </summary>
    /// <param name="catalog">The data catalog.</param>
    /// <param name="data">The dataset.</param>
    /// <param name="folder">The folder to write into (created when missing).</param>
    /// <param name="labelColumnName">The class column.</param>
    /// <param name="featureColumnName">The pixel column.</param>
    /// <returns>The number of images written.</returns>
    public static long ExportToImageFolder(this DataOperationsCatalog catalog, IDataView data, string folder, string labelColumnName = "Label", string featureColumnName = "Features")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var features = data.Schema[featureColumnName];
        if (features.Type is not VectorDataViewType { ItemType: NumberDataViewType item } vector || item != NumberDataViewType.Single
            || vector.Dimensions.Length != 3 || vector.Dimensions[0] is not (1 or 3) || vector.Dimensions[1] <= 0 || vector.Dimensions[2] <= 0)
            throw new ArgumentException($"column '{featureColumnName}' has type {features.Type}; ExportToImageFolder needs a float vector [C, H, W] with C = 1 or 3", nameof(featureColumnName));
        var (channels, height, width) = (vector.Dimensions[0], vector.Dimensions[1], vector.Dimensions[2]);
        var label = data.Schema[labelColumnName];
        using var cursor = data.GetRowCursor(new[] { label, features });
        var folderOf = ClassFolders.Reader(cursor, label, Path.GetFullPath(folder));
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        var digits = Math.Max(5, (data.GetRowCount() ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        VBuffer<float> values = default;
        var pixels = new byte[channels * height * width];
        long written = 0;
        while (cursor.MoveNext())
        {
            getFeatures(ref values);
            if (values.Length != pixels.Length)
                throw new InvalidDataException($"row {cursor.Position} of '{featureColumnName}' has {values.Length} values; [{channels}, {height}, {width}] needs {pixels.Length}");
            Interleave(values.GetValues(), pixels, channels, height * width);
            var classFolder = folderOf();
            Directory.CreateDirectory(classFolder);
            var path = Path.Combine(classFolder, cursor.Position.ToString("D" + digits, System.Globalization.CultureInfo.InvariantCulture) + ".png");
            File.WriteAllBytes(path, ImageCodec.Encode(pixels, width, height, channels, ".png"));
            written++;
        }
        return written;
    }

    /// <summary>[C, H, W] floats in 0..1 to interleaved bytes, RGB turned into OpenCV's BGR.</summary>
    private static void Interleave(ReadOnlySpan<float> chw, Span<byte> pixels, int channels, int plane)
    {
        for (int c = 0; c < channels; c++)
        {
            var target = channels == 3 ? 2 - c : c;
            var source = chw.Slice(c * plane, plane);
            for (int p = 0; p < plane; p++)
                pixels[p * channels + target] = (byte)Math.Clamp(MathF.Round(source[p] * 255f), 0f, 255f);
        }
    }
}
