// Image input pipeline throughput of ML.NET (Microsoft.ML.ImageAnalytics, what CnnMl trains from):
// LoadImages -> ResizeImages(32x32) -> ExtractPixels over an
// ImageFolder-style tree (root/<class>/<file>.png), read row by row through a cursor, as a trainer does.
//   CnnMl.ImageBench ROOT [--repeats N]
// Prints one JSON line: {"side":"mlnet","images":N,"seconds":best,"images_per_s":...}.
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: CnnMl.ImageBench ROOT [--repeats N]");
    return 2;
}
var root = Path.GetFullPath(args[0]);
int repeats = args.Length >= 3 && args[1] == "--repeats" ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;

var rows = Directory.GetDirectories(root).Order(StringComparer.Ordinal)
    .SelectMany(dir => Directory.GetFiles(dir, "*.png").Order(StringComparer.Ordinal)
        .Select(file => new ImageRow { ImagePath = Path.GetRelativePath(root, file), Label = Path.GetFileName(dir) }))
    .ToList();

var ml = new MLContext(0);
var data = ml.Data.LoadFromEnumerable(rows);
var pipeline = ml.Transforms.LoadImages("Image", root, nameof(ImageRow.ImagePath))
    .Append(ml.Transforms.ResizeImages("Image", 32, 32))
    .Append(ml.Transforms.ExtractPixels("Features", "Image", scaleImage: 1f / 255));
var view = pipeline.Fit(data).Transform(data);

double checksum = 0;
double Pass(long limit)
{
    var column = view.Schema["Features"];
    var watch = Stopwatch.StartNew();
    using var cursor = view.GetRowCursor(new[] { column });
    var getter = cursor.GetGetter<VBuffer<float>>(column);
    VBuffer<float> features = default;
    while (cursor.Position + 1 < limit && cursor.MoveNext())
    {
        getter(ref features);
        checksum += features.GetValues()[features.Length / 2];
    }
    return watch.Elapsed.TotalSeconds;
}

Pass(Math.Min(500, rows.Count)); // warm-up: JIT and the file cache
double best = double.MaxValue;
for (int r = 0; r < repeats; r++) best = Math.Min(best, Pass(rows.Count));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"side\":\"mlnet\",\"images\":{rows.Count},\"seconds\":{best:F4},\"images_per_s\":{rows.Count / best:F1},\"checksum\":{checksum:F3}}}"));
return 0;

/// <summary>One image file and its class folder.</summary>
internal sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}
