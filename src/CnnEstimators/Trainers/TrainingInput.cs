namespace CnnMl.Trainers;

/// <summary>
/// The resolved input of a trainer: the features and label columns, the image shape [C, H, W]
/// and the class names, checked against the schema with errors that name the column.
/// </summary>
internal sealed record TrainingInput(DataViewSchema.Column Features, DataViewSchema.Column Label, int Channels, int Height, int Width, IReadOnlyList<string> ClassNames, bool EncodedImages)
{
    public int ImageElements => Channels * Height * Width;

    public static TrainingInput Resolve(DataViewSchema schema, CnnTrainerOptions options, Models.ModelInfo model)
    {
        var features = Find(schema, options.FeatureColumnName, nameof(options.FeatureColumnName));
        var label = Find(schema, options.LabelColumnName, nameof(options.LabelColumnName));
        if (label.Type is not KeyDataViewType { RawType: var raw } key || raw != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(options), $"label column '{label.Name}' has type {label.Type}; a CNN trainer needs a key column (Key<UInt32>): map labels with mlContext.Transforms.Conversion.MapValueToKey(\"{label.Name}\")");
        var classCount = checked((int)key.Count);
        if (classCount < 2) throw new ArgumentOutOfRangeException(nameof(options), $"label column '{label.Name}' has {classCount} class; a classifier needs at least 2");
        var encoded = features.Type is VectorDataViewType { ItemType: var byteItem } && byteItem == NumberDataViewType.Byte;
        var (c, h, w) = encoded ? EncodedShape(options, model) : ImageShape(features, options, model);
        if (model.ExactInputSize && (h != model.DefaultInputSize || w != model.DefaultInputSize))
            throw new ArgumentOutOfRangeException(nameof(options), $"{model.Name} needs exactly {model.DefaultInputSize}x{model.DefaultInputSize} input, column '{features.Name}' holds {h}x{w} images");
        if (h < model.MinimumInputSize || w < model.MinimumInputSize)
            throw new ArgumentOutOfRangeException(nameof(options), $"{model.Family} needs at least {model.MinimumInputSize}x{model.MinimumInputSize} input, column '{features.Name}' holds {h}x{w} images; resize them (ResizeImages) or pick a model for small images");
        return new TrainingInput(features, label, c, h, w, ReadClassNames(label, classCount), encoded);
    }

    private static DataViewSchema.Column Find(DataViewSchema schema, string name, string option) =>
        schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(option, $"{option}: column '{name}' not found; the columns are: {string.Join(", ", schema.Where(col => !col.IsHidden).Select(col => $"'{col.Name}'"))}");

    /// <summary>Raw image bytes (LoadRawImageBytes) are decoded to the architecture's channels and the ImageSize option (or its default size).</summary>
    private static (int C, int H, int W) EncodedShape(CnnTrainerOptions options, Models.ModelInfo model)
    {
        var channels = model.DefaultInChannels;
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(options), $"{model.Name} takes {channels} channels; raw image bytes decode to 1 (gray) or 3 (RGB)");
        var size = options.ImageSize ?? model.DefaultInputSize;
        return (channels, size, size);
    }

    /// <summary>
    /// [C, H, W] from the column's dimensions (as ExtractPixels gives them); for a flat vector, from
    /// <see cref="CnnTrainerOptions.ImageChannels"/> and <see cref="CnnTrainerOptions.ImageSize"/> or the architecture's defaults.
    /// </summary>
    private static (int C, int H, int W) ImageShape(DataViewSchema.Column features, CnnTrainerOptions options, Models.ModelInfo model)
    {
        if (features.Type is not VectorDataViewType { ItemType: var item } vector || item != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(features), $"features column '{features.Name}' has type {features.Type}; a CNN trainer needs a float vector with dimensions [C, H, W] (as ExtractPixels gives) or encoded image bytes (as LoadRawImageBytes gives)");
        var dims = vector.Dimensions;
        if (dims.Length == 3 && dims.All(d => d > 0)) return (dims[0], dims[1], dims[2]);
        if (dims.Length != 1)
            throw new ArgumentOutOfRangeException(nameof(features), $"features column '{features.Name}' has dimensions [{string.Join(", ", dims)}]; give [C, H, W] (e.g. [VectorType(1, 28, 28)]) or a flat vector");
        var channels = options.ImageChannels ?? model.DefaultInChannels;
        var size = options.ImageSize ?? model.DefaultInputSize;
        if (dims[0] != 0 && dims[0] != (long)channels * size * size)
            throw new ArgumentOutOfRangeException(nameof(features),
                $"features column '{features.Name}' is a flat vector of {dims[0]} values, not {channels}x{size}x{size} = {(long)channels * size * size}; " +
                $"give the column dimensions [C, H, W] (e.g. [VectorType(1, 28, 28)]) or set ImageChannels and ImageSize (now {(options.ImageChannels is null ? "the " + model.Name + " default " : "")}{channels} and {(options.ImageSize is null ? "the default " : "")}{size})");
        return (channels, size, size);
    }

    /// <summary>The label's KeyValues as text (as MapValueToKey and the datasets give), else the key numbers 0..count-1.</summary>
    private static IReadOnlyList<string> ReadClassNames(DataViewSchema.Column label, int count)
    {
        if (label.HasKeyValues(TextDataViewType.Instance))
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            label.GetKeyValues(ref names);
            return names.DenseValues().Select(n => n.ToString()).ToArray();
        }
        if (label.Annotations.Schema.GetColumnOrNull("KeyValues") is { Type: VectorDataViewType { ItemType: PrimitiveDataViewType itemType } } && label.HasKeyValues(itemType))
        {
            var method = typeof(TrainingInput).GetMethod(nameof(FormatNames), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(itemType.RawType);
            return (string[])method.Invoke(null, [label])!;
        }
        return Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    private static string[] FormatNames<T>(DataViewSchema.Column label)
    {
        VBuffer<T> values = default;
        label.GetKeyValues(ref values);
        return values.DenseValues().Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray();
    }
}
