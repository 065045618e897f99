using System.Numerics;

namespace CnnMl.Datasets.Views;

/// <summary>Bytes to floats in 0..1 (<c>b / 255f</c>, as torchvision's ToTensor), vectorized.</summary>
internal static class PixelScaling
{
    public static void ToUnitFloats(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is shorter than source", nameof(destination));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var n = Vector<byte>.Count;
            var q = Vector<uint>.Count;
            var divisor = new Vector<float>(255f);
            for (; i <= source.Length - n; i += n)
            {
                Vector.Widen(new Vector<byte>(source[i..]), out Vector<ushort> low, out Vector<ushort> high);
                Vector.Widen(low, out Vector<uint> a, out Vector<uint> b);
                Vector.Widen(high, out Vector<uint> c, out Vector<uint> d);
                (Vector.ConvertToSingle(a) / divisor).CopyTo(destination[i..]);
                (Vector.ConvertToSingle(b) / divisor).CopyTo(destination[(i + q)..]);
                (Vector.ConvertToSingle(c) / divisor).CopyTo(destination[(i + 2 * q)..]);
                (Vector.ConvertToSingle(d) / divisor).CopyTo(destination[(i + 3 * q)..]);
            }
        }
        for (; i < source.Length; i++) destination[i] = source[i] / 255f;
    }
}
