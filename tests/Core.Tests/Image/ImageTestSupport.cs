using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json.Nodes;
using CnnMl.Data;
using CnnMl.Model;

namespace CnnMl.Core.Tests.Image;

/// <summary>A row naming an image file.</summary>
public sealed class ImagePathRow
{
    public string ImagePath { get; set; } = "";
}

/// <summary>Helpers of the image tests: temporary folders, the Pillow reference, reading columns, model round trips.</summary>
internal static class ImageTestSupport
{
    /// <summary>Debian's python3-pil belongs to the system interpreter; another python3 on PATH does not see it; CNNML_PYTHON names another interpreter.</summary>
    public static readonly string Interpreter = Environment.GetEnvironmentVariable("CNNML_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3";

    public static string NewTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "cnnml-image-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Runs tests/python/image_reference.py; a failure fails the test with the script's error output.</summary>
    public static void RunReference(params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "python", "image_reference.py"));
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("image_reference.py did not finish within 120 s");
        }
        if (process.ExitCode != 0) Assert.Fail($"image_reference.py {string.Join(' ', arguments)} failed:\n{error.Result}");
    }

    public static IDataView Paths(MLContext ml, params string[] paths) =>
        ml.Data.LoadFromEnumerable(paths.Select(p => new ImagePathRow { ImagePath = p }).ToList());

    /// <summary>All values of a column (copied out of the cursor).</summary>
    public static List<T> Column<T>(IDataView view, string name)
    {
        var column = view.Schema[name];
        var values = new List<T>();
        using var cursor = view.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<T>(column);
        while (cursor.MoveNext())
        {
            T value = default!;
            getter(ref value);
            values.Add(value is VBuffer<float> f ? (T)(object)new VBuffer<float>(f.Length, f.GetValues().ToArray())
                : value is VBuffer<byte> b ? (T)(object)new VBuffer<byte>(b.Length, b.GetValues().ToArray()) : value);
        }
        return values;
    }

    /// <summary>An image of one BGRA color per pixel, given as a function of (x, y).</summary>
    public static MLImage MakeImage(int width, int height, Func<int, int, (byte B, byte G, byte R, byte A)> color)
    {
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (b, g, r, a) = color(x, y);
                int o = (y * width + x) * 4;
                (pixels[o], pixels[o + 1], pixels[o + 2], pixels[o + 3]) = (b, g, r, a);
            }
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, pixels);
    }

    /// <summary>The BGRA color at (x, y).</summary>
    public static (byte B, byte G, byte R, byte A) At(MLImage image, int x, int y)
    {
        var p = image.Pixels;
        int o = (y * image.Width + x) * 4;
        return (p[o], p[o + 1], p[o + 2], p[o + 3]);
    }

    /// <summary>
    /// Saves a transformer as a model file would (kind and options through JSON text, data entries in a zip)
    /// and loads it back through the registry, as a fresh process would.
    /// </summary>
    public static ITransformer RoundTrip(ITransformer transformer)
    {
        using var buffer = new MemoryStream();
        string json;
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var save = new ModelSaveContext(zip, "0/");
            transformer.Save(save);
            json = save.ToJson().ToJsonString();
        }
        var node = JsonNode.Parse(json)!.AsObject();
        var load = new ModelLoadContext(node["kind"]!.GetValue<string>(), node["options"]!.AsObject(), Array.Empty<string>(), Array.Empty<ModelLoadContext>(),
            name => throw new InvalidDataException($"no entry {name}"));
        return TransformerRegistry.Load(load);
    }
}
