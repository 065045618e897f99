using System.CommandLine;
using CnnMl.ConsoleApp;

var epochs = new Option<int>("--epochs") { Description = "Passes over the training set", DefaultValueFactory = _ => 1 };
var batchSize = new Option<int>("--batch-size") { Description = "Images per training step", DefaultValueFactory = _ => 100 };
var learningRate = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3 };
var seed = new Option<int>("--seed") { Description = "Seed of weights and shuffling", DefaultValueFactory = _ => 1 };
var limit = new Option<int?>("--limit") { Description = "Train on the first N training images only" };
var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads (default: all cores)" };
var dataDirectory = new Option<string?>("--data-dir") { Description = "Folder with the Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist)" };
var verbose = new Option<bool>("--verbose") { Description = "Show stack traces of errors" };

var root = new RootCommand("CnnMl: trains a small CNN on Fashion-MNIST with the CnnMl.Torch binding and prints its test metrics.")
{
    epochs, batchSize, learningRate, seed, limit, threads, dataDirectory, verbose,
};
root.SetAction(result =>
{
    try
    {
        var settings = new TrainingSettings(
            result.GetValue(epochs), result.GetValue(batchSize), result.GetValue(learningRate), result.GetValue(seed),
            result.GetValue(limit), result.GetValue(threads), result.GetValue(dataDirectory));
        Validate(settings);
        return TrainingJob.Run(settings, Console.Out);
    }
    catch (Exception e) when (!result.GetValue(verbose))
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 1;
    }
});
return root.Parse(args).Invoke();

static void Validate(TrainingSettings s)
{
    if (s.Epochs < 1) throw new ArgumentException($"--epochs must be at least 1, got {s.Epochs}");
    if (s.BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {s.BatchSize}");
    if (!(s.LearningRate > 0)) throw new ArgumentException($"--lr must be positive, got {s.LearningRate}");
    if (s.Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {s.Limit}");
    if (s.Threads is < 1) throw new ArgumentException($"--threads must be at least 1, got {s.Threads}");
}
