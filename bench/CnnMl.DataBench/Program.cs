// Loads every Fashion-MNIST training row through a cursor and sums the features, timing each
// repetition from opening the gz files to the sum; prints one JSON line per repetition, the same
// fields as bench/python/load_fashion_mnist.py.
//
//   dotnet run -c Release --project bench/CnnMl.DataBench -- [--reps N] [--dir FOLDER]
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using CnnMl.Datasets;

var reps = 5;
string? directory = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--dir": directory = args[++i]; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}; usage: [--reps N] [--dir FOLDER]"); return 2;
    }
}

var mlContext = new MLContext(seed: 1);
for (int rep = 0; rep < reps; rep++)
{
    var clock = Stopwatch.StartNew();
    var data = FashionMnist.Load(mlContext, train: true, directory);
    var loaded = clock.Elapsed.TotalSeconds;
    var features = data.Schema["Features"];
    var label = data.Schema["Label"];
    using var cursor = data.GetRowCursor(new[] { features, label });
    var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
    var getLabel = cursor.GetGetter<uint>(label);
    VBuffer<float> values = default;
    uint key = 0;
    double sum = 0;
    long rows = 0, labelSum = 0;
    while (cursor.MoveNext())
    {
        getFeatures(ref values);
        getLabel(ref key);
        sum += Sum(values.GetValues());
        labelSum += key - 1;
        rows++;
    }
    var total = clock.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"side\": \"cnnml\", \"rep\": {rep}, \"rows\": {rows}, \"feature_sum\": {sum:F3}, \"label_sum\": {labelSum}, \"read_s\": {loaded:F4}, \"total_s\": {total:F4}}}"));
}
return 0;

// A row's sum with Vector<float> accumulators (numpy's sum is vectorized too), added up in double.
static double Sum(ReadOnlySpan<float> values)
{
    var acc = System.Numerics.Vector<float>.Zero;
    var n = System.Numerics.Vector<float>.Count;
    int i = 0;
    for (; i <= values.Length - n; i += n) acc += new System.Numerics.Vector<float>(values[i..]);
    double sum = System.Numerics.Vector.Sum(acc);
    for (; i < values.Length; i++) sum += values[i];
    return sum;
}
