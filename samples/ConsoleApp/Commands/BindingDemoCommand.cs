using System.CommandLine;
using CnnMl.ConsoleApp.Output;

namespace CnnMl.ConsoleApp.Commands;

/// <summary>
/// <c>cnnml binding-demo</c>: the former main job, SmallCnn on Fashion-MNIST written directly against
/// the CnnMl.Torch binding (no pipeline), as issue 2 documents it.
/// </summary>
internal static class BindingDemoCommand
{
    public static Command Create(Terminal terminal)
    {
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set", DefaultValueFactory = _ => 1 };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per training step", DefaultValueFactory = _ => 100 };
        var learningRate = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3 };
        var seed = CommonOptions.Seed();
        var limit = CommonOptions.Limit("Train on the first N training images only");
        var threads = CommonOptions.Threads();
        var dataDirectory = new Option<string?>("--data-dir") { Description = "Folder with the Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist)" };
        var command = new Command("binding-demo", "Train SmallCnn on Fashion-MNIST with the raw CnnMl.Torch binding (no pipeline)")
        {
            epochs, batchSize, learningRate, seed, limit, threads, dataDirectory,
        };
        command.SetAction(result =>
        {
            var settings = new TrainingSettings(result.GetValue(epochs), result.GetValue(batchSize), result.GetValue(learningRate), result.GetValue(seed),
                result.GetValue(limit), result.GetValue(threads), result.GetValue(dataDirectory));
            if (settings.Epochs < 1) throw new UsageException($"--epochs must be at least 1, got {settings.Epochs}");
            if (settings.BatchSize < 1) throw new UsageException($"--batch-size must be at least 1, got {settings.BatchSize}");
            if (!(settings.LearningRate > 0)) throw new UsageException($"--lr must be positive, got {settings.LearningRate}");
            CommonOptions.CheckLimit(settings.Limit);
            CommonOptions.ApplyThreads(settings.Threads);
            return TrainingJob.Run(settings, terminal.Out);
        });
        return command;
    }
}
