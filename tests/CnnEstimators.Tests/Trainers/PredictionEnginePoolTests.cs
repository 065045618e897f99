using Microsoft.ML.Data;

namespace CnnMl.Trainers.Tests;

/// <summary>A pool of prediction engines serves many threads with the results of single-threaded scoring.</summary>
[TestClass]
public sealed class PredictionEnginePoolTests
{
    public sealed class Input
    {
        [VectorType(1, 28, 28)]
        public float[] Features { get; set; } = Array.Empty<float>();

        public string Label { get; set; } = "";
    }

    public sealed class Output
    {
        public float[] Score { get; set; } = Array.Empty<float>();

        public string PredictedLabel { get; set; } = "";
    }

    [TestMethod]
    [Timeout(120_000)]
    public void EightThreadsTimes500PredictionsMatchSingleThreadedScoring()
    {
        var ml = new MLContext(seed: 1);
        using var file = new MemoryStream(ModelFileFuzzTests.SmallModelFile());
        var model = ml.Model.Load(file, out _);
        var random = new Random(4);
        var inputs = Enumerable.Range(0, 500).Select(i => new Input
        {
            Features = Enumerable.Range(0, 784).Select(_ => (float)random.NextDouble() * (i % 2 == 0 ? 1 : 0.5f)).ToArray(),
            Label = "bright",
        }).ToArray();
        var single = ml.Model.CreatePredictionEngine<Input, Output>(model);
        var expected = inputs.Select(single.Predict).ToArray();
        Assert.IsTrue(expected.Select(e => e.Score[0]).Distinct().Count() > 100, $"scores should differ between inputs: {string.Join(" ", expected.Take(6).Select(e => e.Score[0].ToString("R")))} / {expected.Select(e => e.Score[0]).Distinct().Count()} distinct");

        using var pool = ml.Model.CreatePredictionEnginePool<Input, Output>(model);
        var results = new Output[8][];
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            // Each thread walks the inputs from a different offset, so different rows are in flight at once.
            results[t] = new Output[inputs.Length];
            for (int k = 0; k < inputs.Length; k++)
            {
                var i = (k + 61 * t) % inputs.Length;
                results[t][i] = pool.Predict(inputs[i]);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        for (int t = 0; t < 8; t++)
            for (int i = 0; i < inputs.Length; i++)
            {
                Assert.AreEqual(expected[i].PredictedLabel, results[t][i].PredictedLabel, $"thread {t}, input {i}");
                CollectionAssert.AreEqual(expected[i].Score, results[t][i].Score, $"thread {t}, input {i}: scores must be bit-identical");
            }
        Assert.IsTrue(pool.EnginesCreated is >= 1 and <= 8, $"{pool.EnginesCreated} engines for 8 threads: at most one per concurrent call");
        Console.WriteLine($"8 threads x 500 predictions: {pool.EnginesCreated} engines created");
    }

    [TestMethod]
    public void APoolLeavesTheSharedModelUsableAndRefusesPredictionsOnceDisposed()
    {
        var ml = new MLContext(seed: 1);
        using var file = new MemoryStream(ModelFileFuzzTests.SmallModelFile());
        var model = ml.Model.Load(file, out _);
        var input = new Input { Features = new float[784], Label = "dark" };
        var expected = ml.Model.CreatePredictionEngine<Input, Output>(model, new PredictionEngineOptions { OwnsTransformer = false }).Predict(input);
        var pool = ml.Model.CreatePredictionEnginePool<Input, Output>(model, maximumRetained: 1);
        Assert.AreEqual(1, pool.MaximumRetained);
        // Four threads at once need four engines; three are dropped when they come back (ML.NET's
        // engines dispose the transformer they own: the pool's must not own the shared one).
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        using (var start = new Barrier(4))
        {
            var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    for (int i = 0; i < 20; i++) pool.Predict(input);
                }
                catch (Exception e)
                {
                    failures.Add(e);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
        }
        Assert.AreEqual(0, failures.Count, "concurrent predictions failed: " + string.Join("; ", failures.Select(e => e.Message)));
        pool.Dispose();
        Assert.ThrowsException<ObjectDisposedException>(() => pool.Predict(input));
        var after = ml.Model.CreatePredictionEngine<Input, Output>(model).Predict(input);
        CollectionAssert.AreEqual(expected.Score, after.Score, "the model still scores after the pool dropped and disposed its engines");
    }
}
