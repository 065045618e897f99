using System.Diagnostics;
using Microsoft.ML.Data;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// Model files are untrusted input. Well over a thousand damaged and crafted variants of a real ML.NET
/// model zip (MapValueToKey, a 2-class LeNet-5, MapKeyToValue) are given to <c>Model.Load</c>, and every
/// model that loads scores 64 fixed rows. Damage anywhere in the zip may be refused with any exception
/// (ML.NET's own entries are not CnnMl's to protect), but never crashes, hangs or allocates a declared huge
/// size. Damage inside the CnnMl transformer's entry is refused, by CnnMl's checks (an
/// <see cref="InvalidDataException"/> saying the entry is damaged) or by ML.NET's header checks, or the
/// model scores exactly as the undamaged one: never a model with different scores.
/// </summary>
[TestClass]
public sealed class ModelFileFuzzTests
{
    private const long AllocationLimit = 64L << 20;
    private const string DamagedPrefix = "CnnMl model entry is damaged: ";
    private static readonly TimeSpan PerInputLimit = TimeSpan.FromSeconds(10);

    // ML.NET's Contracts put this key in the Data of every exception they make (Contracts.IsMarkedKey).
    private const string MlNetMark = "ML_IsMarked";

    // Long class names leave room in the description for edits longer than the values they replace.
    private const string BrightLabel = "an image of bright noise";
    private const string DarkLabel = "an image of dark noise";

    private sealed class Pixels
    {
        [VectorType(1, 28, 28)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }

    private enum Outcome
    {
        RefusedByCnnMl,
        RefusedByMlNet,
        RefusedOtherwise,
        LoadedSameScores,
        LoadedDifferentScores,
        LoadedScoringFailed,
    }

    /// <summary>What loading and scoring one input did; <paramref name="ThrownType"/> is the type the caller caught when CnnMl refused.</summary>
    private sealed record Attempt(Outcome Outcome, string Detail, string? ThrownType = null);

    /// <summary>A model zip of MapValueToKey, a 2-class LeNet-5 trained for one epoch, and MapKeyToValue.</summary>
    internal static byte[] SmallModelFile() => SmallModelFile("bright", "dark");

    private static byte[] SmallModelFile(string bright, string dark)
    {
        var ml = new MLContext(seed: 5);
        var data = ml.Data.LoadFromEnumerable(TrainingRows(bright, dark));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options { Variant = "lenet5", Epochs = 1, BatchSize = 32, Seed = 5 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        return stream.ToArray();
    }

    private static List<Pixels> TrainingRows(string bright, string dark)
    {
        var random = new Random(5);
        return Enumerable.Range(0, 64).Select(i => new Pixels
        {
            Features = Enumerable.Range(0, 784).Select(p => (float)random.NextDouble() * (i % 2 == 0 ? 1 : 0.5f)).ToArray(),
            Label = i % 2 == 0 ? bright : dark,
        }).ToList();
    }

    [TestMethod]
    [Timeout(300_000)]
    public void DamagedModelZipsAreRefusedOrScoreExactlyAsTheOriginal()
    {
        var rows = new MLContext(seed: 1).Data.LoadFromEnumerable(TrainingRows(BrightLabel, DarkLabel));
        var good = SmallModelFile(BrightLabel, DarkLabel);
        var reference = Scores(good, rows);
        Assert.IsTrue(reference.Select(s => s[0]).Distinct().Count() > 32, "the undamaged model should score the rows differently");
        var mutations = new ModelFileMutations(good, seed: 17);
        var rebuilt = Try(mutations.Rebuilt(), rows, reference);
        Assert.AreEqual(Outcome.LoadedSameScores, rebuilt.Outcome, $"the zip rebuilt unchanged: {rebuilt.Detail}");

        var results = new Results();
        foreach (var input in mutations.All())
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                results.Add(input, Try(input.Bytes, rows, reference));
            }
            catch (Exception e) when (e is TimeoutException or InsufficientMemoryException)
            {
                results.Unfinished(input, e.Message);
            }
            results.Timed(input, Stopwatch.GetElapsedTime(started));
        }

        results.Print();
        Assert.IsTrue(results.Total >= 1000, $"only {results.Total} inputs");
        Assert.AreEqual(0, results.Failures.Count, results.DescribeFailures());
        foreach (var category in new[] { "escaping name", "huge declared size", "entry removed", "entry renamed", "truncated" })
            Assert.IsTrue(Refused(results["zip: " + category]) > 0, category);
        Assert.AreEqual(0, results["zip: truncated"].Sum() - Refused(results["zip: truncated"]), "every truncated zip must be refused");
        foreach (var category in new[] { "Model.key fields", "weights bits", "weights truncated" })
            Assert.AreEqual(results["cnn: " + category].Sum(), results["cnn: " + category][(int)Outcome.RefusedByCnnMl], $"{category}: CnnMl's checks refuse every change");
        foreach (var category in new[] { "description", "safetensors header" })
        {
            var tally = results["cnn: " + category];
            Assert.IsTrue(tally[(int)Outcome.RefusedByCnnMl] >= 0.9 * tally.Sum(), $"{category}: only {tally[(int)Outcome.RefusedByCnnMl]} of {tally.Sum()} refused by CnnMl's checks");
        }
    }

    /// <summary>
    /// Inside the CnnMl entry a variant is refused (by CnnMl, or by ML.NET's header checks) or loads with the
    /// original scores. A crafted description may also describe a valid model whose columns the rows do not fit
    /// (an edited column name, encoded images): it loads and scoring then fails.
    /// </summary>
    private static bool Acceptable(string category, Outcome outcome) => outcome switch
    {
        Outcome.RefusedByCnnMl or Outcome.RefusedByMlNet or Outcome.LoadedSameScores => true,
        Outcome.LoadedScoringFailed => category == "description",
        _ => false,
    };

    private static int Refused(int[] tally) => tally[(int)Outcome.RefusedByCnnMl] + tally[(int)Outcome.RefusedByMlNet] + tally[(int)Outcome.RefusedOtherwise];

    /// <summary>Outcome counts per category ("cnn: " or "zip: " and the mutation's category), failures, and timing of a fuzz run.</summary>
    private sealed class Results
    {
        private readonly SortedDictionary<string, int[]> counts = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, int> refusalTypes = new(StringComparer.Ordinal);
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly bool verbose = Environment.GetEnvironmentVariable("CNNML_FUZZ_VERBOSE") == "1";
        private (TimeSpan Time, string What) slowest = (TimeSpan.Zero, "");

        public List<(string Category, string What)> Failures { get; } = [];

        public int Total { get; private set; }

        public int[] this[string category] => counts[category];

        public void Add(FuzzInput input, Attempt attempt)
        {
            Total++;
            var name = (input.InsideCnnEntry ? "cnn: " : "zip: ") + input.Category;
            if (!counts.TryGetValue(name, out var tally)) counts[name] = tally = new int[Enum.GetValues<Outcome>().Length];
            tally[(int)attempt.Outcome]++;
            if (attempt.ThrownType is { } type) refusalTypes[type] = refusalTypes.GetValueOrDefault(type) + 1;
            if (input.InsideCnnEntry && !Acceptable(input.Category, attempt.Outcome)) Fail(input, $"{attempt.Outcome}: {attempt.Detail}");
            if (verbose) Console.WriteLine($"{input.Category} / {input.Description}: {attempt.Outcome} {attempt.Detail}");
        }

        /// <summary>An input whose loading ran out of time or memory.</summary>
        public void Unfinished(FuzzInput input, string why)
        {
            Total++;
            Fail(input, why);
        }

        private void Fail(FuzzInput input, string why) => Failures.Add((input.Category, $"{input.Category} / {input.Description}: {why}"));

        public void Timed(FuzzInput input, TimeSpan spent)
        {
            if (spent > slowest.Time) slowest = (spent, $"{input.Category} / {input.Description}");
        }

        public void Print()
        {
            Console.WriteLine($"{Total} inputs in {clock.Elapsed.TotalSeconds:F1} s; slowest {slowest.Time.TotalMilliseconds:F0} ms ({slowest.What})");
            Console.WriteLine($"  {"category",-26} {"tried",5} {"CnnMl",6} {"ML.NET",6} {"other",6} {"same",6} {"diff",6} {"nosc",6}");
            Console.WriteLine("  (refused by CnnMl's checks / by ML.NET / otherwise; loaded with the same scores / different scores / scoring failed)");
            foreach (var (category, tally) in counts)
                Console.WriteLine($"  {category,-26} {tally.Sum(),5} " + string.Join(" ", tally.Select(n => $"{n,6}")));
            Console.WriteLine("CnnMl's refusals reached the caller as: " + string.Join(", ", refusalTypes.Select(kv => $"{kv.Key} {kv.Value}")));
        }

        public string DescribeFailures() =>
            $"{Failures.Count} inputs were not handled cleanly ({string.Join(", ", Failures.GroupBy(f => f.Category).Select(g => $"{g.Key} {g.Count()}"))}):\n" +
            string.Join("\n", Failures.Take(40).Select(f => f.What));
    }

    private static float[][] Scores(byte[] model, IDataView rows)
    {
        var transformer = new MLContext(seed: 1).Model.Load(new MemoryStream(model, writable: false), out _);
        try
        {
            return transformer.Transform(rows).GetColumn<float[]>("Score").ToArray();
        }
        finally
        {
            (transformer as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// Loads and scores on a worker thread, bounded in time and managed allocation. Any exception is an
    /// outcome; running out of time or memory (or asking for too much) is not.
    /// </summary>
    private static Attempt Try(byte[] bytes, IDataView rows, float[][] reference)
    {
        Exception? refusal = null, scoringError = null;
        float[][]? scores = null;
        long allocated = 0;
        var work = Task.Run(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                ITransformer model;
                try
                {
                    model = new MLContext(seed: 1).Model.Load(new MemoryStream(bytes, writable: false), out _);
                }
                catch (Exception e)
                {
                    refusal = e;
                    return;
                }
                try
                {
                    scores = model.Transform(rows).GetColumn<float[]>("Score").ToArray();
                }
                catch (Exception e)
                {
                    scoringError = e;
                }
                finally
                {
                    (model as IDisposable)?.Dispose();
                }
            }
            finally
            {
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
        });
        if (!work.Wait(PerInputLimit)) throw new TimeoutException($"loading and scoring did not finish within {PerInputLimit.TotalSeconds} s");
        if (allocated > AllocationLimit) throw new InsufficientMemoryException($"loading and scoring allocated {allocated} bytes for a {bytes.Length}-byte zip");
        if ((refusal ?? scoringError) is { } error && Chain(error).FirstOrDefault(x => x is OutOfMemoryException) is { } oom)
            throw new InsufficientMemoryException($"loading or scoring ran out of memory: {oom.Message}");
        if (refusal is not null) return Classify(refusal);
        if (scoringError is not null) return new(Outcome.LoadedScoringFailed, Describe(scoringError));
        return SameScores(reference, scores!)
            ? new(Outcome.LoadedSameScores, "")
            : new(Outcome.LoadedDifferentScores, $"first score {scores![0].FirstOrDefault():R}, was {reference[0][0]:R}");
    }

    /// <summary>
    /// A refusal by CnnMl's checks (anywhere in the exception chain: ML.NET's reflection wraps it), by ML.NET
    /// (an exception its Contracts made, or thrown from its code, with a message), or otherwise.
    /// </summary>
    private static Attempt Classify(Exception e)
    {
        if (Chain(e).FirstOrDefault(x => x is InvalidDataException && x.Message.StartsWith(DamagedPrefix, StringComparison.Ordinal)) is { } ours)
            return new(Outcome.RefusedByCnnMl, $"{e.GetType().Name}: {ours.Message}", e.GetType().Name);
        var innermost = Chain(e).Last();
        var thrower = Thrower(innermost);
        var fromMlNet = innermost.Data.Contains(MlNetMark) || thrower.StartsWith("Microsoft.ML", StringComparison.Ordinal);
        var outcome = fromMlNet && !string.IsNullOrWhiteSpace(innermost.Message) ? Outcome.RefusedByMlNet : Outcome.RefusedOtherwise;
        return new(outcome, $"{Describe(e)} (thrown by {thrower})");
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException) yield return x;
    }

    /// <summary>The first assembly outside the .NET libraries on the exception's stack, from where it was thrown (inlined frames do not show).</summary>
    private static string Thrower(Exception e)
    {
        foreach (var frame in new StackTrace(e, fNeedFileInfo: false).GetFrames())
        {
            var assembly = frame.GetMethod()?.DeclaringType?.Assembly.GetName().Name ?? "";
            if (!assembly.StartsWith("System", StringComparison.Ordinal) && assembly is not ("netstandard" or "mscorlib" or ""))
                return assembly;
        }
        return "the .NET libraries";
    }

    private static string Describe(Exception e) =>
        string.Join(" <- ", Chain(e).Select(x => $"{x.GetType().Name}: {x.Message}"));

    private static bool SameScores(float[][] expected, float[][] actual) =>
        expected.Length == actual.Length && expected.Zip(actual).All(p =>
            p.First.Length == p.Second.Length && p.First.Zip(p.Second).All(v => BitConverter.SingleToInt32Bits(v.First) == BitConverter.SingleToInt32Bits(v.Second)));
}
