using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CnnMl.ConsoleApp.Data;
using CnnMl.ConsoleApp.Distributed;
using CnnMl.ConsoleApp.Output;
using CnnMl.Models;
using CnnMl.Trainers;
using static CnnMl.Torch.torch;

namespace CnnMl.ConsoleApp.Commands;

/// <summary>
/// <c>cnnml train</c>: fits a zoo network through the pipeline (image transforms for folders, then
/// the CNN trainer), shows progress, prints the per-epoch table, the test metrics and the confusion
/// table, and writes the model zip and the training-curves SVG. With <c>--nproc-per-node</c> it starts
/// that many ranks of itself (<see cref="RankLauncher"/>), which train data-parallel; rank 0 reports
/// and writes the files.
/// </summary>
internal static class TrainCommand
{
    /// <summary>The recipe of ./run.sh (LeNet-5 with ReLU and max-pooling, Adam, cosine schedule, three epochs); see the README for its accuracy.</summary>
    public const string DefaultModel = "lenet5_relu";
    public const int DefaultEpochs = 3, DefaultBatchSize = 32;
    public const double DefaultLearningRate = 2e-3;
    public const LearningRateSchedule DefaultSchedule = LearningRateSchedule.Cosine;

    private sealed record Settings(string Model, DatasetSpec Dataset, int Epochs, int BatchSize, double LearningRate, CnnOptimizer Optimizer,
        LearningRateSchedule Schedule, double WeightDecay, int? Limit, double ValidationFraction, TrainingDevice Device, TrainingPrecision Precision, int Seed, string Output, string Curves, string? CheckpointDirectory,
        bool SyncBatchNorm);

    /// <summary>The command; <paramref name="commandLine"/> is what a launch runs again in each rank, less the launcher's options.</summary>
    public static Command Create(Terminal terminal, IReadOnlyList<string> commandLine)
    {
        var model = new Option<string>("--model", "-m") { Description = "Zoo name of the network (see 'cnnml models')", DefaultValueFactory = _ => DefaultModel };
        var dataset = CommonOptions.Dataset("Training data");
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set", DefaultValueFactory = _ => DefaultEpochs };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per training step", DefaultValueFactory = _ => DefaultBatchSize };
        var lr = new Option<double>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => DefaultLearningRate };
        var optimizer = new Option<CnnOptimizer>("--optimizer") { Description = "Optimizer", DefaultValueFactory = _ => CnnOptimizer.Adam };
        var schedule = new Option<LearningRateSchedule>("--schedule") { Description = "How the learning rate changes over the epochs", DefaultValueFactory = _ => DefaultSchedule };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 penalty (decoupled for AdamW)", DefaultValueFactory = _ => 0 };
        var limit = CommonOptions.Limit("Use at most N training and N test images");
        var validation = new Option<double>("--validation-fraction") { Description = "Share of the training images held out for validation (0: none)", DefaultValueFactory = _ => 0.1 };
        var device = new Option<TrainingDevice>("--device") { Description = "Where to train", DefaultValueFactory = _ => TrainingDevice.Auto };
        var precision = new Option<string>("--precision")
        {
            Description = "fp32; bf16: the forward pass and loss under autocast to bfloat16; fp16 (CUDA): autocast to float16 with loss scaling. Weights and model file stay float32",
            DefaultValueFactory = _ => "fp32",
        };
        precision.AcceptOnlyFromAmong("fp32", "bf16", "fp16");
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads("libtorch intra-op threads (default: 1 for networks of inputs up to 32x32, which train fastest on one, else all cores)");
        var output = new Option<string?>("--output", "-o") { Description = "Model zip to write (default: artifacts/cnnml/<model>.zip)" };
        var curves = new Option<string?>("--curves") { Description = "Training-curves SVG to write (default: next to the model, .curves.svg)" };
        var checkpoints = new Option<string?>("--checkpoint-dir") { Description = "Folder for per-epoch checkpoints; a rerun resumes from it" };
        var syncBatchNorm = new Option<bool>("--sync-batch-norm") { Description = "With --nproc-per-node: batch norms use the statistics of all ranks' batches (SyncBatchNorm)" };

        var command = new Command("train", "Train a zoo network on a dataset; writes the model zip and a training-curves SVG")
        {
            model, dataset, epochs, batchSize, lr, optimizer, schedule, weightDecay, limit, validation, device, precision, seed, threads, output, curves, checkpoints, syncBatchNorm,
        };
        var launch = new LaunchOptions();
        launch.AddTo(command);
        command.SetAction(result =>
        {
            if (launch.Settings(result) is { } job)
            {
                var (program, arguments) = RankLauncher.Self();
                arguments.AddRange(RankLauncher.WithoutOptions(commandLine, launch.Names));
                return RankLauncher.Run(job, program, arguments, terminal.Out, Console.Error);
            }
            var info = CommonOptions.Model(result.GetValue(model)!);
            // Small networks train fastest on one thread: their kernels are too short to share (DESIGN).
            CommonOptions.ApplyThreads(result.GetValue(threads), fallback: info.DefaultInputSize <= 32 ? 1 : null);
            var name = info.Name;
            var outputPath = result.GetValue(output) ?? Path.Combine("artifacts", "cnnml", $"{name}.zip");
            var settings = new Settings(name, DatasetSpec.Parse(result.GetValue(dataset)!), result.GetValue(epochs), result.GetValue(batchSize), result.GetValue(lr),
                result.GetValue(optimizer), result.GetValue(schedule), result.GetValue(weightDecay), CommonOptions.CheckLimit(result.GetValue(limit)), result.GetValue(validation),
                result.GetValue(device), result.GetValue(precision) switch { "bf16" => TrainingPrecision.BFloat16, "fp16" => TrainingPrecision.Float16, _ => TrainingPrecision.Float32 }, result.GetValue(seed), outputPath, result.GetValue(curves) ?? Path.ChangeExtension(outputPath, ".curves.svg"),
                result.GetValue(checkpoints), result.GetValue(syncBatchNorm));
            return Run(settings, terminal);
        });
        return command;
    }

    private static void Validate(Settings s)
    {
        if (s.Epochs < 1) throw new UsageException($"--epochs must be at least 1, got {s.Epochs}");
        if (s.BatchSize < 1) throw new UsageException($"--batch-size must be at least 1, got {s.BatchSize}");
        if (!(s.LearningRate > 0) || double.IsInfinity(s.LearningRate)) throw new UsageException($"--lr must be a positive number, got {s.LearningRate}");
        if (s.WeightDecay < 0) throw new UsageException($"--weight-decay must not be negative, got {s.WeightDecay}");
        if (!(s.ValidationFraction >= 0 && s.ValidationFraction < 1)) throw new UsageException($"--validation-fraction must be in [0, 1), got {s.ValidationFraction}");
    }

    private static int Run(Settings s, Terminal terminal)
    {
        Validate(s);
        if (s.SyncBatchNorm && CnnDistributed.WorldSize < 2) throw new UsageException("--sync-batch-norm needs a data-parallel job (--nproc-per-node, or a launcher's RANK and WORLD_SIZE)");
        var inv = CultureInfo.InvariantCulture;
        var clock = Stopwatch.StartNew();
        var ml = new MLContext(seed: s.Seed);
        var info = ModelZoo.Describe(s.Model);

        var trainRaw = s.Dataset.Load(ml, DatasetPart.Train, s.Limit, s.Seed);
        var testRaw = s.Dataset.Load(ml, DatasetPart.Test, s.Limit, s.Seed);
        IDataView train = trainRaw, validation = null!;
        var hasValidation = s.ValidationFraction > 0;
        if (hasValidation)
        {
            var split = ml.Data.TrainTestSplit(trainRaw, s.ValidationFraction, seed: s.Seed);
            (train, validation) = (split.TrainSet, split.TestSet);
        }

        // Image folders go through the image transforms, which become part of the saved model.
        var fromPaths = ImageInput.HasPaths(trainRaw.Schema);
        var channels = fromPaths ? info.DefaultInChannels : FeatureChannels(trainRaw);
        IEstimator<ITransformer>? images = fromPaths ? ImageInput.Pipeline(ml, channels, info.DefaultInputSize, info.DefaultInputSize) : null;
        if (images is not null && hasValidation) validation = images.Fit(validation).Transform(validation);

        var trainRows = CommonOptions.CountRows(train);
        if (trainRows == 0) throw new InvalidDataException($"{s.Dataset.DisplayName} has no training images");
        // Under a launcher each rank trains its share of every epoch (the trainers join the job themselves).
        var ranks = CnnDistributed.WorldSize;
        var batches = ((trainRows + ranks - 1) / ranks + s.BatchSize - 1) / s.BatchSize;
        var progress = new TrainingProgress(terminal, s.Epochs, batches, s.BatchSize);
        var normalization = info.Normalization.ForChannels(channels);
        var options = new CnnTrainer.Options
        {
            Architecture = info.Name,
            Epochs = s.Epochs,
            BatchSize = s.BatchSize,
            LearningRate = s.LearningRate,
            Optimizer = s.Optimizer,
            LearningRateSchedule = s.Schedule,
            WeightDecay = s.WeightDecay,
            Seed = s.Seed,
            Device = s.Device,
            Precision = s.Precision,
            CheckpointDirectory = s.CheckpointDirectory,
            Distributed = DistributedTrainingOptions.FromEnvironment() is { } job ? WithSyncBatchNorm(job, s.SyncBatchNorm) : null,
            ValidationSet = hasValidation ? validation : null,
            MetricsCallback = progress.Report,
            MetricsBatchInterval = (int)Math.Max(1, batches / 40),
            Augmentation = new AugmentationOptions { NormalizeMean = normalization.Mean, NormalizeStd = normalization.Std },
        };
        var trainer = ml.MulticlassClassification.Trainers.Cnn(options);
        IEstimator<ITransformer> pipeline = images is null ? trainer : images.Append(trainer);

        terminal.Heading($"cnnml train: {info.Name} ({info.Family}) on {s.Dataset.DisplayName}");
        terminal.Line(string.Format(inv, "data: {0:N0} training, {1} validation, {2:N0} test images{3}",
            trainRows, hasValidation ? CommonOptions.CountRows(validation).ToString("N0", inv) : "no", CommonOptions.CountRows(testRaw),
            fromPaths ? $", resized to {channels}x{info.DefaultInputSize}x{info.DefaultInputSize}" : ""));
        terminal.Line(string.Format(inv, "recipe: {0} lr {1} ({10} schedule), weight decay {2}, batch {3}, {4} epoch{5}, seed {6}; libtorch {7}, {8} thread{9}",
            s.Optimizer, s.LearningRate, s.WeightDecay, s.BatchSize, s.Epochs, s.Epochs == 1 ? "" : "s", s.Seed, __version__, get_num_threads(), get_num_threads() == 1 ? "" : "s", s.Schedule.ToString().ToLowerInvariant()));
        if (ranks > 1 && options.Distributed is { } distributed)
            terminal.Line(string.Format(inv, "data-parallel: {0} ranks ({1}, store at {2}:{3}), batch {4} per rank = {5} images per step, batch norm over {6}; this is rank {7}",
                ranks, distributed.ResolveBackend() == DistributedBackend.Nccl ? "Gloo, NCCL for CUDA tensors" : "Gloo", distributed.MasterAddress, distributed.MasterPort, s.BatchSize, s.BatchSize * ranks,
                s.SyncBatchNorm ? "all ranks (SyncBatchNorm)" : "each rank's batch", distributed.Rank));

        var fitClock = Stopwatch.StartNew();
        var model = progress.Run(() => pipeline.Fit(train));
        var fitSeconds = fitClock.Elapsed.TotalSeconds;
        var network = Find(model);
        // Every rank trained; rank 0 alone reports, scores and writes the files.
        if (!CnnDistributed.IsMainProcess)
        {
            network.Dispose();
            return 0;
        }
        terminal.Line(string.Format(inv, "trained {0:N0} parameters in {1:F1} s", network.Model.parameters().Sum(p => p.numel()), fitSeconds));
        PrintEpochs(terminal, progress.History);

        var scored = model.Transform(testRaw);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        MetricsReport.Print(terminal, $"test metrics ({s.Dataset.DisplayName})", metrics, CommonOptions.CountRows(testRaw));

        if (Path.GetDirectoryName(Path.GetFullPath(s.Output)) is { } folder) Directory.CreateDirectory(folder);
        ml.Model.Save(model, trainRaw.Schema, s.Output);
        TrainingCurvesSvg.Write(progress.History, $"{info.Name} on {s.Dataset.DisplayName}: training curves", s.Curves);
        PrintReloadedPredictions(terminal, s.Output, testRaw, network.ClassNames, count: 5);
        terminal.Line();
        terminal.Line(string.Format(inv, "test accuracy {0:P2}; total time {1:F1} s", metrics.MicroAccuracy, clock.Elapsed.TotalSeconds));
        terminal.Line($"model:  {Path.GetFullPath(s.Output)}");
        terminal.Line($"curves: {Path.GetFullPath(s.Curves)}");
        network.Dispose();
        return 0;
    }

    /// <summary>Loads the saved zip as a new program would (a fresh MLContext) and shows its predictions for the first test images.</summary>
    private static void PrintReloadedPredictions(Terminal terminal, string path, IDataView test, IReadOnlyList<string> classNames, int count)
    {
        var fresh = new MLContext();
        var loaded = fresh.Model.Load(path, out _);
        var scored = loaded.Transform(fresh.Data.TakeRows(test, count));
        var label = scored.Schema["Label"];
        var score = scored.Schema["Score"];
        using var cursor = scored.GetRowCursor([label, score]);
        var getLabel = cursor.GetGetter<uint>(label);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        uint truth = 0;
        VBuffer<float> probabilities = default;
        var rows = new List<IReadOnlyList<string>>();
        while (cursor.MoveNext())
        {
            getLabel(ref truth);
            getScore(ref probabilities);
            var p = probabilities.DenseValues().ToArray();
            var best = Array.IndexOf(p, p.Max());
            rows.Add([(cursor.Position + 1).ToString(CultureInfo.InvariantCulture), truth == 0 ? "?" : classNames[(int)truth - 1], classNames[best], p[best].ToString("P1", CultureInfo.InvariantCulture)]);
        }
        terminal.Line();
        terminal.Line($"{Path.GetFileName(path)} loaded back with a fresh MLContext; its predictions for the first {rows.Count} test images:");
        terminal.Table(["image", "truth", "predicted", "probability"], rows, new HashSet<int> { 0, 3 });
    }

    private static DistributedTrainingOptions WithSyncBatchNorm(DistributedTrainingOptions job, bool sync)
    {
        job.SyncBatchNorm = sync;
        return job;
    }

    private static int FeatureChannels(IDataView data) =>
        data.Schema.GetColumnOrNull("Features")?.Type is VectorDataViewType { Dimensions: [var c, _, _] } ? c : 1;

    private static CnnClassificationTransformer Find(ITransformer model) => model switch
    {
        CnnClassificationTransformer cnn => cnn,
        IEnumerable<ITransformer> chain => chain.OfType<CnnClassificationTransformer>().Last(),
        _ => throw new InvalidOperationException("the fitted pipeline holds no CNN"),
    };

    private static void PrintEpochs(Terminal terminal, TrainingHistory history)
    {
        var inv = CultureInfo.InvariantCulture;
        terminal.Table(["epoch", "train loss", "train accuracy", "validation loss", "validation accuracy", "learning rate", "images/s"],
            history.Epochs.Select(m => (IReadOnlyList<string>)new[]
            {
                m.Epoch.ToString(inv), m.TrainCrossEntropy.ToString("F4", inv), m.TrainAccuracy.ToString("P2", inv),
                m.ValidationCrossEntropy?.ToString("F4", inv) ?? "-", m.ValidationAccuracy?.ToString("P2", inv) ?? "-",
                m.LearningRate.ToString("G4", inv), m.ImagesPerSecond.ToString("N0", inv),
            }), new HashSet<int> { 0, 1, 2, 3, 4, 5, 6 });
    }
}
