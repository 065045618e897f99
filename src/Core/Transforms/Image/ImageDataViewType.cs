using CnnMl.Data;

namespace CnnMl.Transforms.Image;

/// <summary>
/// The type of image columns, whose values are <see cref="MLImage"/> (as ML.NET's ImageDataViewType).
/// <see cref="Height"/> and <see cref="Width"/> are 0 when images may have any size (LoadImages),
/// and fixed after ResizeImages; ExtractPixels needs a fixed size.
/// </summary>
public sealed class ImageDataViewType : DataViewType
{
    /// <summary>Images of a fixed size.</summary>
    public ImageDataViewType(int height, int width) : base(typeof(MLImage))
    {
        if (height < 0 || width < 0) throw new ArgumentOutOfRangeException(nameof(height), $"image size must not be negative, got {height}x{width} (height x width)");
        if ((height == 0) != (width == 0)) throw new ArgumentException($"height and width must both be 0 (any size) or both positive, got {height}x{width}");
        Height = height;
        Width = width;
    }

    /// <summary>Images of any size.</summary>
    public ImageDataViewType() : this(0, 0) { }

    /// <summary>Height in pixels; 0 when any.</summary>
    public int Height { get; }

    /// <summary>Width in pixels; 0 when any.</summary>
    public int Width { get; }

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => other is ImageDataViewType i && i.Height == Height && i.Width == Width;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(typeof(MLImage), Height, Width);

    /// <inheritdoc />
    public override string ToString() => Height == 0 ? "Image" : $"Image<{Height}, {Width}>";

    /// <summary>The column type of a row-class member of <paramref name="memberType"/> (MLImage), else null.</summary>
    internal static DataViewType? OfMember(Type memberType) => memberType == typeof(MLImage) ? new ImageDataViewType() : null;
}
