using CnnMl.Torch.Imaging;

namespace CnnMl.Trainers;

/// <summary>
/// Turns encoded image bytes (PNG, JPEG, BMP, as LoadRawImageBytes gives) into the network's planar
/// float input. There is one definition of those pixels, ML.NET's: what <c>LoadImages</c> →
/// <c>ResizeImages</c> (its default and the cnnml CLI's <c>IsoCrop</c>, centre anchor) →
/// <c>ConvertToGrayscale</c> (one channel) → <c>ExtractPixels(scaleImage: 1f / 255)</c> give for the
/// same file (Microsoft.ML.ImageAnalytics 5.0.1's <c>MLImage</c> on SkiaSharp 2.88). OpenCV decodes;
/// the rest repeats what SkiaSharp does for ML.NET:
/// <list type="number">
/// <item>Decoded as stored: no EXIF rotation, no colour management; transparent pixels end up composited
/// on black (Skia premultiplies, and ML.NET draws on a zeroed opaque bitmap).</item>
/// <item>Crop: scaled by s = max(width / W, height / H) to (int)(W s) x (int)(H s), all in float, and drawn
/// at (int)((width - W s) / 2), (int)((height - H s) / 2), as <c>MLImage.ResizeWithCrop</c> computes
/// it; a row or column the truncations leave uncovered stays black.</item>
/// <item>Resampling with Skia's filter quality High: enlarging, Mitchell-Netravali bicubic; shrinking,
/// Skia's mipmap chain down to level floor(log2(1 / s)), then Skia's 8-bit bilinear; no resampling at
/// scale 1.</item>
/// <item>One channel: gray = 0.3 R + 0.59 G + 0.11 B on values in [0, 1], rounded to a byte (the colour
/// matrix of <c>ConvertToGrayscale</c>).</item>
/// <item>R, G, B planes (ExtractPixels' ARGB order without alpha), each byte × (1 / 255f).</item>
/// </list>
/// The test against ML.NET's transforms finds every value equal; Skia's float code can round a value
/// at a tie the other way on another CPU (its SIMD dispatch), one level of 255.
/// </summary>
internal static class EncodedImageDecoder
{
    private const float Scale = 1f / 255;

    public static void Decode(ReadOnlySpan<byte> encoded, int channels, int height, int width, Span<float> destination)
    {
        var pixels = ImageCodec.Decode(encoded, out var w, out var h, out var c);
        // OpenCV decodes to gray, BGR or BGRA.
        if (c == 4) CompositeOnBlack(pixels);
        var (scaledWidth, scaledHeight, left, top) = CropGeometry(w, h, width, height);
        var horizontal = new Axis(w, scaledWidth, left, width);
        var vertical = new Axis(h, scaledHeight, top, height);
        var window = scaledWidth == w && scaledHeight == h ? Crop(pixels, c, horizontal, vertical) : Resample(pixels, c, horizontal, vertical);
        var plane = width * height;
        for (int o = 0; o < plane; o++)
        {
            int r, g, b;
            if (c == 1)
            {
                r = g = b = window[o];
            }
            else
            {
                b = window[o * c];
                g = window[o * c + 1];
                r = window[o * c + 2];
            }
            if (channels == 1)
            {
                destination[o] = Gray(r, g, b) * Scale;
            }
            else
            {
                destination[o] = r * Scale;
                destination[plane + o] = g * Scale;
                destination[2 * plane + o] = b * Scale;
            }
        }
    }

    /// <summary>
    /// ML.NET's <c>IsoCrop</c> rectangle for a <paramref name="sourceWidth"/> x <paramref name="sourceHeight"/>
    /// image in a <paramref name="width"/> x <paramref name="height"/> target, in its float arithmetic: the
    /// scaled size, and where the target starts in the scaled image (the negated draw offset).
    /// </summary>
    internal static (int ScaledWidth, int ScaledHeight, int Left, int Top) CropGeometry(int sourceWidth, int sourceHeight, int width, int height)
    {
        float widthAspect = (float)width / sourceWidth;
        float heightAspect = (float)height / sourceHeight;
        int destX = 0, destY = 0;
        float aspect;
        if (heightAspect < widthAspect)
        {
            aspect = widthAspect;
            destY = (int)((height - (sourceHeight * aspect)) / 2);
        }
        else
        {
            aspect = heightAspect;
            destX = (int)((width - (sourceWidth * aspect)) / 2);
        }
        return ((int)(sourceWidth * aspect), (int)(sourceHeight * aspect), -destX, -destY);
    }

    /// <summary>
    /// One axis of the draw: an image <paramref name="Original"/> pixels long, scaled to
    /// <paramref name="Scaled"/>, of which the <paramref name="Target"/> pixels from <paramref name="Offset"/> on are kept.
    /// </summary>
    private readonly record struct Axis(int Original, int Scaled, int Offset, int Target)
    {
        /// <summary>Whether target pixel <paramref name="i"/> lies on the scaled image (else it stays black).</summary>
        public bool Covers(int i) => i + Offset < Scaled;
    }

    /// <summary>The target window of an image drawn at its own size (no resampling).</summary>
    private static byte[] Crop(byte[] source, int c, Axis horizontal, Axis vertical)
    {
        var window = new byte[horizontal.Target * vertical.Target * c];
        for (int y = 0; y < vertical.Target && vertical.Covers(y); y++)
        {
            var covered = Math.Min(horizontal.Target, horizontal.Scaled - horizontal.Offset);
            source.AsSpan(((y + vertical.Offset) * horizontal.Original + horizontal.Offset) * c, covered * c)
                .CopyTo(window.AsSpan(y * horizontal.Target * c));
        }
        return window;
    }

    /// <summary>The target window of the scaled image, resampled as Skia draws with filter quality High.</summary>
    private static byte[] Resample(byte[] pixels, int c, Axis horizontal, Axis vertical)
    {
        var scale = Math.Min((float)horizontal.Scaled / horizontal.Original, (float)vertical.Scaled / vertical.Original);
        if (scale >= 1) return Bicubic(pixels, c, horizontal, vertical);
        var level = (int)MathF.Floor(-MathF.Log2(scale));
        int levelWidth = horizontal.Original, levelHeight = vertical.Original;
        for (int i = 0; i < level && (levelWidth > 1 || levelHeight > 1); i++) pixels = HalveAsSkiaMipmap(pixels, ref levelWidth, ref levelHeight, c);
        return levelWidth == horizontal.Scaled && levelHeight == vertical.Scaled
            ? Crop(pixels, c, horizontal with { Original = levelWidth }, vertical with { Original = levelHeight })
            : Bilinear(pixels, c, horizontal, vertical, levelWidth, levelHeight);
    }

    /// <summary>
    /// Skia's 8-bit bilinear sampling of a mipmap level (<paramref name="levelWidth"/> x <paramref name="levelHeight"/>)
    /// at each target pixel centre: the 2x2 pixels around it (edges clamped) weighted by their overlap in
    /// 1/256ths (truncated; the last takes the rest), rounded.
    /// </summary>
    private static byte[] Bilinear(byte[] source, int c, Axis horizontal, Axis vertical, int levelWidth, int levelHeight)
    {
        var (columns, columnWeights) = Taps(horizontal, levelWidth, bicubic: false);
        var (rows, rowWeights) = Taps(vertical, levelHeight, bicubic: false);
        var window = new byte[horizontal.Target * vertical.Target * c];
        Span<int> area = stackalloc int[4];
        for (int y = 0; y < vertical.Target && vertical.Covers(y); y++)
            for (int x = 0; x < horizontal.Target && horizontal.Covers(x); x++)
            {
                var remaining = 256;
                for (int q = 0; q < 3; q++)
                {
                    area[q] = (int)(columnWeights[2 * x + (q & 1)] * rowWeights[2 * y + (q >> 1)] * 256);
                    remaining -= area[q];
                }
                area[3] = remaining;
                var o = (y * horizontal.Target + x) * c;
                for (int k = 0; k < c; k++)
                {
                    var sum = 128;
                    for (int q = 0; q < 4; q++) sum += area[q] * source[(rows[2 * y + (q >> 1)] * levelWidth + columns[2 * x + (q & 1)]) * c + k];
                    window[o + k] = (byte)(sum >> 8);
                }
            }
        return window;
    }

    /// <summary>
    /// Skia's bicubic (Mitchell-Netravali, B = C = 1/3) sampling at each target pixel centre: 4x4 source
    /// pixels, edges clamped, the weighted sum in float, clamped to [0, alpha] and rounded to the nearest
    /// byte (ties to even).
    /// </summary>
    private static byte[] Bicubic(byte[] source, int c, Axis horizontal, Axis vertical)
    {
        var (columns, columnWeights) = Taps(horizontal, horizontal.Original, bicubic: true);
        var (rows, rowWeights) = Taps(vertical, vertical.Original, bicubic: true);
        var window = new byte[horizontal.Target * vertical.Target * c];
        Span<float> sum = stackalloc float[4];
        for (int y = 0; y < vertical.Target && vertical.Covers(y); y++)
            for (int x = 0; x < horizontal.Target && horizontal.Covers(x); x++)
            {
                sum.Clear();
                for (int ty = 0; ty < 4; ty++)
                    for (int tx = 0; tx < 4; tx++)
                    {
                        var weight = columnWeights[4 * x + tx] * rowWeights[4 * y + ty];
                        var i = (rows[4 * y + ty] * horizontal.Original + columns[4 * x + tx]) * c;
                        for (int k = 0; k < c; k++) sum[k] += weight * (source[i + k] * Scale);
                    }
                var alpha = c == 4 ? Math.Clamp(sum[3], 0f, 1f) : 1f;
                var o = (y * horizontal.Target + x) * c;
                for (int k = 0; k < c; k++)
                    window[o + k] = (byte)MathF.Round(Math.Clamp(sum[k], 0f, k == 3 ? 1f : alpha) * 255);
            }
        return window;
    }

    /// <summary>
    /// For each target pixel along one axis, the indices (clamped to the edges) and weights of the
    /// <paramref name="size"/> pixels (the image or a mipmap level) it samples. The sample point is its
    /// centre mapped through Skia's inverse draw matrix in float: the scale Scaled / Original inverted,
    /// the draw offset times it, both times the level's size / Original.
    /// </summary>
    private static (int[] Indices, float[] Weights) Taps(Axis axis, int size, bool bicubic)
    {
        var taps = bicubic ? 4 : 2;
        var indices = new int[taps * axis.Target];
        var weights = new float[taps * axis.Target];
        var inverse = 1f / ((float)axis.Scaled / axis.Original);
        var translate = axis.Offset * inverse;
        if (size != axis.Original)
        {
            var level = (float)size / axis.Original;
            inverse *= level;
            translate *= level;
        }
        for (int i = 0; i < axis.Target; i++)
        {
            var u = (i + 0.5f) * inverse + translate;
            var t = u + 0.5f - MathF.Floor(u + 0.5f);
            var first = u - (taps - 1) / 2f;
            for (int k = 0; k < taps; k++) indices[taps * i + k] = Math.Clamp((int)MathF.Floor(first + k), 0, size - 1);
            if (bicubic)
            {
                weights[taps * i] = Far(1 - t);
                weights[taps * i + 1] = Near(1 - t);
                weights[taps * i + 2] = Near(t);
                weights[taps * i + 3] = Far(t);
            }
            else
            {
                weights[taps * i] = 1 - t;
                weights[taps * i + 1] = t;
            }
        }
        return (indices, weights);

        static float Near(float t) => t * (t * (-21 / 18f * t + 27 / 18f) + 9 / 18f) + 1 / 18f;
        static float Far(float t) => t * t * (7 / 18f * t - 6 / 18f);
    }

    /// <summary>
    /// The next level of Skia's mipmap chain: half the size, floored (at least 1); each pixel the sum of a
    /// 2x2 window, or 3 wide/high with weights 1, 2, 1 along an odd side, shifted right (truncated).
    /// </summary>
    private static byte[] HalveAsSkiaMipmap(byte[] source, ref int w, ref int h, int c)
    {
        int halfWidth = Math.Max(1, w / 2), halfHeight = Math.Max(1, h / 2);
        ReadOnlySpan<int> one = [1], two = [1, 1], three = [1, 2, 1];
        var wx = w == 1 ? one : w % 2 == 0 ? two : three;
        var wy = h == 1 ? one : h % 2 == 0 ? two : three;
        var shift = (wx.Length == 3 ? 2 : wx.Length - 1) + (wy.Length == 3 ? 2 : wy.Length - 1);
        var half = new byte[halfWidth * halfHeight * c];
        var rowSums = new int[w * c];
        for (int y = 0; y < halfHeight; y++)
        {
            // The sum is separable: rows first, then columns, in integers.
            Array.Clear(rowSums);
            for (int ty = 0; ty < wy.Length; ty++)
            {
                var row = source.AsSpan((2 * y + ty) * w * c, w * c);
                var weight = wy[ty];
                for (int i = 0; i < row.Length; i++) rowSums[i] += weight * row[i];
            }
            var output = half.AsSpan(y * halfWidth * c, halfWidth * c);
            for (int x = 0; x < halfWidth; x++)
                for (int k = 0; k < c; k++)
                {
                    var sum = 0;
                    for (int tx = 0; tx < wx.Length; tx++) sum += wx[tx] * rowSums[(2 * x + tx) * c + k];
                    output[x * c + k] = (byte)(sum >> shift);
                }
        }
        (w, h) = (halfWidth, halfHeight);
        return half;
    }

    /// <summary>Skia's gray: 0.3 R + 0.59 G + 0.11 B on values in [0, 1], in its colour-matrix order, rounded to a byte.</summary>
    internal static int Gray(int r, int g, int b) =>
        (int)MathF.Round(Math.Clamp(r * Scale * 0.3f + (g * Scale * 0.59f + b * Scale * 0.11f), 0f, 1f) * 255);

    /// <summary>BGRA to premultiplied colour (alpha kept), as Skia decodes it; drawn on black, that is the colour.</summary>
    private static void CompositeOnBlack(byte[] bgra)
    {
        for (int i = 0; i < bgra.Length; i += 4)
        {
            int a = bgra[i + 3];
            if (a == 255) continue;
            for (int k = 0; k < 3; k++)
            {
                var product = bgra[i + k] * a + 128;
                bgra[i + k] = (byte)((product + (product >> 8)) >> 8);
            }
        }
    }
}
