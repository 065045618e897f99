using CnnMl.Data;
using CnnMl.Model;

namespace CnnMl.Transforms.Image;

/// <summary>Shared plumbing of the image transforms: column checks, per-row caching and saved column names.</summary>
internal static class ImageColumns
{
    /// <summary>The image column <paramref name="name"/>; the error names it, the expected and the actual type.</summary>
    public static DataViewSchema.Column RequireImage(DataViewSchema schema, string name, string transform) =>
        ColumnChecks.Require(schema, name, transform, t => t is ImageDataViewType, "Image");

    /// <summary>The image of the current row, which must not be null; the error names the column and row.</summary>
    public static MLImage Read(ValueGetter<MLImage> getter, DataViewRow row, string column, string transform)
    {
        MLImage image = null!;
        getter(ref image);
        return image ?? throw new InvalidOperationException($"{transform}: column '{column}' holds no image in row {row.Position}");
    }

    /// <summary>A getter that computes a row's value once and returns the same object while the cursor stays on that row.</summary>
    public static ValueGetter<T> CachePerRow<T>(DataViewRow row, Func<T> compute) where T : class
    {
        long position = -1;
        T? cached = null;
        return (ref T value) =>
        {
            if (cached is null || position != row.Position)
            {
                cached = compute();
                position = row.Position;
            }
            value = cached;
        };
    }

    public static void SaveNames(ModelSaveContext ctx, string kind, string outputColumnName, string inputColumnName)
    {
        ctx.Kind = kind;
        ctx.Options["outputColumnName"] = outputColumnName;
        ctx.Options["inputColumnName"] = inputColumnName;
    }

    public static (string Output, string Input) LoadNames(ModelLoadContext ctx) => (ctx.Get<string>("outputColumnName"), ctx.Get<string>("inputColumnName"));

    /// <summary>An enum option saved by name; an unknown name is an <see cref="InvalidDataException"/>.</summary>
    public static TEnum GetEnum<TEnum>(ModelLoadContext ctx, string name) where TEnum : struct, Enum
    {
        var text = ctx.Get<string>(name);
        if (Enum.TryParse<TEnum>(text, ignoreCase: false, out var value) && Enum.IsDefined(value)) return value;
        throw new InvalidDataException($"model manifest: {ctx.Kind} option '{name}' is '{text}', not one of {string.Join(", ", Enum.GetNames<TEnum>())}");
    }

    /// <summary>Registers the loaders of the image transformers (called by the built-in registrations).</summary>
    public static void Register()
    {
        TransformerRegistry.Register(ImageLoadingTransformer.Kind, ImageLoadingTransformer.Load);
        TransformerRegistry.Register(ImageResizingTransformer.Kind, ImageResizingTransformer.Load);
        TransformerRegistry.Register(ImagePixelExtractingTransformer.Kind, ImagePixelExtractingTransformer.Load);
        TransformerRegistry.Register(ImageGrayscalingTransformer.Kind, ImageGrayscalingTransformer.Load);
    }
}
