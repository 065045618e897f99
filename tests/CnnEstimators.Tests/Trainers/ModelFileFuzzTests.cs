using System.Diagnostics;
using CnnMl.Data;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// Model files are untrusted input. Over a thousand damaged and crafted variants of a real model zip
/// (MapValueToKey, a 2-class LeNet-5, MapKeyToValue) are given to Model.Load: each either loads (the
/// damage did not touch anything checked, e.g. a bit in a timestamp) or is refused with an
/// InvalidDataException naming the file and the problem. Nothing else may happen: no other exception
/// type, no hang, no allocation of a declared huge size.
/// </summary>
[TestClass]
public sealed class ModelFileFuzzTests
{
    private const long AllocationLimit = 64L << 20;
    private static readonly TimeSpan PerInputLimit = TimeSpan.FromSeconds(10);

    private sealed class Pixels
    {
        [VectorType(1, 28, 28)]
        public float[] Features { get; set; } = Array.Empty<float>();

        public string Label { get; set; } = "";
    }

    internal static byte[] SmallModelFile()
    {
        var ml = new MLContext(seed: 5);
        var random = new Random(5);
        var rows = Enumerable.Range(0, 64).Select(i => new Pixels
        {
            Features = Enumerable.Range(0, 784).Select(p => (float)random.NextDouble() * (i % 2 == 0 ? 1 : 0.5f)).ToArray(),
            Label = i % 2 == 0 ? "bright" : "dark",
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options { Variant = "lenet5", Epochs = 1, BatchSize = 32, Seed = 5 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        return stream.ToArray();
    }

    private enum Outcome
    {
        Loaded,
        Refused,
    }

    [TestMethod]
    [Timeout(120_000)]
    public void CorruptedAndCraftedModelFilesAreRefusedCleanly()
    {
        var good = SmallModelFile();
        Assert.AreEqual(Outcome.Loaded, Load(good, out var goodMessage), goodMessage);
        var clock = Stopwatch.StartNew();
        var counts = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        var failures = new List<string>();
        var slowest = (Time: TimeSpan.Zero, What: "");
        int total = 0;
        foreach (var input in new ModelFileMutations(good, seed: 17).All())
        {
            total++;
            var tally = counts.TryGetValue(input.Category, out var t) ? t : counts[input.Category] = new int[2];
            var started = clock.Elapsed;
            try
            {
                var outcome = Load(input.Bytes, out var message);
                tally[(int)outcome]++;
                if (Environment.GetEnvironmentVariable("CNNML_FUZZ_VERBOSE") == "1")
                    Console.WriteLine($"{input.Category} / {input.Description}: {outcome} {message}");
            }
            catch (Exception e)
            {
                failures.Add($"{input.Category} / {input.Description}: {e.GetType().Name}: {e.Message}");
            }
            var spent = clock.Elapsed - started;
            if (spent > slowest.Time) slowest = (spent, $"{input.Category} / {input.Description}");
        }
        Console.WriteLine($"{total} inputs in {clock.Elapsed.TotalSeconds:F1} s; slowest {slowest.Time.TotalMilliseconds:F0} ms ({slowest.What})");
        foreach (var (category, tally) in counts)
            Console.WriteLine($"  {category,-20} {tally.Sum(),5} tried: {tally[(int)Outcome.Refused],5} refused with InvalidDataException, {tally[(int)Outcome.Loaded],4} loaded (damage in unchecked bytes)");
        Assert.IsTrue(total >= 1000, $"only {total} inputs");
        Assert.AreEqual(0, failures.Count, $"{failures.Count} inputs were not handled cleanly:\n" + string.Join("\n", failures.Take(40)));
        foreach (var category in new[] { "escaping name", "huge declared size", "format version", "safetensors header", "entry removed", "entry renamed" })
            Assert.IsTrue(counts[category][(int)Outcome.Refused] > 0, category);
        Assert.AreEqual(0, counts["format version"][(int)Outcome.Loaded], "every unknown or malformed format version must be refused");
        Assert.AreEqual(0, counts["truncated"][(int)Outcome.Loaded], "every truncated file must be refused");
    }

    /// <summary>
    /// Loads on a worker thread, bounded in time and managed allocation. Refusal must be an
    /// InvalidDataException whose message names the source and says more than that.
    /// </summary>
    private static Outcome Load(byte[] bytes, out string message)
    {
        string? text = null;
        long allocated = 0;
        var work = Task.Run(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                using var stream = new MemoryStream(bytes, writable: false);
                var model = new MLContext().Model.Load(stream, out _);
                (model as IDisposable)?.Dispose();
                return Outcome.Loaded;
            }
            catch (InvalidDataException e)
            {
                text = e.Message;
                return Outcome.Refused;
            }
            finally
            {
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
        });
        if (!work.Wait(PerInputLimit)) throw new TimeoutException($"Model.Load did not finish within {PerInputLimit.TotalSeconds} s");
        var outcome = work.Result;
        if (allocated > AllocationLimit) throw new InsufficientMemoryException($"Model.Load allocated {allocated} bytes for a {bytes.Length}-byte file");
        message = text ?? "";
        if (outcome == Outcome.Refused && (!message.StartsWith("model file (stream): ", StringComparison.Ordinal) || message.Length < "model file (stream): ".Length + 10))
            throw new InvalidOperationException($"the refusal does not name the file and the problem: '{message}'");
        return outcome;
    }
}
