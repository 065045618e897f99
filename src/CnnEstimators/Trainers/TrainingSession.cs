using System.Diagnostics;
using CnnMl.Models;
using CnnMl.Torch;
using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Trainers;

/// <summary>
/// One training run: the network, optimizer and schedule on a device, the epoch loop with
/// validation, early stopping, best-weights tracking, metrics callbacks and checkpoints.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private readonly CnnTrainerOptions options;
    private readonly ModelInfo info;
    private readonly TrainingInput input;
    private readonly Device device;
    private readonly int seed;
    private readonly DataParallel? parallel;
    private readonly ClassifierNetwork model;
    private readonly OptimizationSchedule optimizers;
    private readonly InputPipeline pipeline;
    private bool modelHandedOut;
    private readonly bool channelsLast;

    /// <summary>Prepares a run; with <paramref name="distributed"/>, as one rank of that data-parallel job.</summary>
    public TrainingSession(CnnTrainerOptions options, ModelInfo info, TrainingInput input, Device device, int seed, DistributedTrainingOptions? distributed = null)
    {
        this.options = options;
        this.info = info;
        this.input = input;
        this.device = device;
        if (options.Precision == TrainingPrecision.Float16 && device.type != DeviceType.CUDA)
            throw new ArgumentException($"Precision Float16 needs a CUDA device, and training runs on {device}: libtorch's CPU autocast runs bfloat16 only (use TrainingPrecision.BFloat16)", nameof(options));
        distributed?.CheckBackend(device);
        var job = distributed is null ? null : CnnDistributed.Join(distributed);
        // Every rank deals the epochs from the same seed: rank 0's, when the MLContext left it random.
        this.seed = seed = job?.AgreeOnSeed(seed) ?? seed;
        random.manual_seed(seed);
        model = info.Factory(input.ClassNames.Count, input.Channels);
        try
        {
            if (options.PretrainedWeightsPath is { } path) PretrainedWeights.Load(model, path);
            if (options.FreezeFeatures) PretrainedWeights.FreezeFeatures(model);
            model.to(device);
            channelsLast = options.ChannelsLast ?? (device.type == DeviceType.CPU
                && (options.Precision == TrainingPrecision.BFloat16 ? ChannelsLastLayout.PaysInBFloat16(model) : ChannelsLastLayout.Pays(model)));
            if (channelsLast) ChannelsLastLayout.ConvertWeights(model);
            var trainable = model.parameters().Where(p => p.requires_grad).ToArray();
            optimizers = new OptimizationSchedule(options, trainable);
            pipeline = new InputPipeline(options.Augmentation, input, device, seed);
            if (job is not null) parallel = new DataParallel(job, model, trainable);
        }
        catch
        {
            optimizers?.Dispose();
            pipeline?.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <summary>Whether this process writes the run's files (checkpoints): a single process, or rank 0 of a job.</summary>
    private bool WritesFiles => parallel is null || parallel.Rank == 0;

    public CnnClassificationTransformer Run(IDataView data)
    {
        try
        {
            return Train(data);
        }
        catch (Exception e) when (parallel is not null && e is not DistributedTrainingException)
        {
            parallel.ReportFailure(e);
            throw;
        }
    }

    private CnnClassificationTransformer Train(IDataView data)
    {
        var (train, validation) = SplitValidation(data);
        // A source that cannot shuffle is read once into ML.NET's cache, which can.
        if (!train.CanShuffle) train = new MLContext(seed).Data.Cache(train);
        var checkpoint = options.CheckpointDirectory is { } dir ? new TrainingCheckpoint(dir, TrainingRecipe.Of(options, info, input, seed, parallel?.Options)) : null;
        var state = checkpoint?.TryResume(model, optimizers) ?? new TrainingState();
        optimizers.SetEpoch(state.CompletedEpochs);
        DataShard? trainShard = null;
        if (parallel is not null)
        {
            var (first, last) = parallel.Range(state.CompletedEpochs * 1e9 + state.EpochBatches);
            if (first != last)
                throw new InvalidOperationException($"the ranks resumed from different points (rank {parallel.Rank} from epoch {state.CompletedEpochs}, batch {state.EpochBatches}): every rank must see the same CheckpointDirectory ('{options.CheckpointDirectory}'), a folder shared by the machines");
            trainShard = new DataShard(parallel.Rank, parallel.WorldSize, CountRows(train), Pad: true);
            if (trainShard.Rows < parallel.WorldSize)
                throw new InvalidOperationException($"the training data has {trainShard.Rows} rows, fewer than the {parallel.WorldSize} ranks that share it");
        }

        for (int epoch = state.CompletedEpochs + 1; epoch <= options.Epochs && !state.Stopped; epoch++)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            var (trainAccuracy, trainLoss, imagesPerSecond, batches, skipped) = TrainEpoch(train, epoch, state, checkpoint, trainShard);
            state.BatchesProcessed += batches;
            double? valAccuracy = null, valLoss = null;
            if (validation is not null) (valAccuracy, valLoss) = Evaluate(validation);
            if (WritesFiles)
                options.MetricsCallback?.Invoke(new TrainingMetrics(epoch, state.BatchesProcessed, true, trainAccuracy, trainLoss,
                    optimizers.LearningRate, valAccuracy, valLoss, imagesPerSecond, skipped));
            optimizers.StepEpoch();
            state.Track(epoch, valAccuracy, valLoss, options, model);
            state.CompletedEpochs = epoch;
            if (WritesFiles) checkpoint?.Save(model, optimizers, state);
        }
        state.RestoreBest(model, options);
        // The trained network is handed out in the usual layout, as a loaded model file would be.
        parallel?.Dispose();
        if (channelsLast) ChannelsLastLayout.ConvertWeights(model, channels_last: false);
        modelHandedOut = true;
        return new CnnClassificationTransformer(model, info.Name, input.ClassNames, input.Channels, input.Height, input.Width,
            options.Augmentation.NormalizeMean, options.Augmentation.NormalizeStd, options.FeatureColumnName, options.ScoreColumnName, options.PredictedLabelColumnName, input.EncodedImages);
    }

    /// <summary>Counts with a cursor: the views TrainTestSplit returns report their source's row count.</summary>
    private static long CountRows(IDataView data)
    {
        long rows = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext()) rows++;
        return rows;
    }

    private (IDataView Train, IDataView? Validation) SplitValidation(IDataView data)
    {
        if (options.ValidationSet is { } set)
        {
            _ = TrainingInput.Resolve(set.Schema, options, info);
            return (data, set);
        }
        if (options.ValidationFraction > 0)
        {
            var split = new MLContext(seed).Data.TrainTestSplit(data, options.ValidationFraction, seed: seed);
            return (split.TrainSet, split.TestSet);
        }
        return (data, null);
    }

    /// <summary>
    /// One pass over the training data. The order depends only on the seed and the epoch, and each
    /// batch's randomness (dropout, augmentation) only on the seed, epoch and batch number, so a run
    /// resumed from a checkpoint, even one taken mid-epoch in another process, continues exactly as
    /// an uninterrupted one: the batches the checkpoint already covers are read and skipped. A rank of a
    /// data-parallel job reads its <paramref name="shard"/> of the same order; its batch randomness is
    /// salted with its rank (rank 0's equals a single process's), and the metrics cover all ranks.
    /// </summary>
    private (double Accuracy, double Loss, double ImagesPerSecond, long Batches, int Skipped) TrainEpoch(IDataView train, int epoch, TrainingState state, TrainingCheckpoint? checkpoint, DataShard? shard)
    {
        var rank = parallel?.Rank ?? 0;
        model.train();
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long correct = 0, seen = 0, batches = 0;
        var alreadyTrained = state.EpochBatches;
        using var producer = new BatchProducer(train, input, options.BatchSize, new Random(TrainingSeeds.Mix(seed, epoch)), options.CancellationToken, options.SkipUnreadableImages, shard);
        foreach (var batch in producer.Batches())
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            if (batches < alreadyTrained)
            {
                producer.Release(batch);
                batches++;
                continue;
            }
            random.manual_seed(TrainingSeeds.Mix(seed, epoch, (int)batches, 1 + 2 * rank));
            pipeline.Reseed(TrainingSeeds.Mix(seed, epoch, (int)batches, 2 + 2 * rank));
            using var scope = NewDisposeScope();
            // Only a rank's shard has empty batches (all their images unreadable): the rank still runs the
            // step, whose collectives the other ranks wait for, and its zero loss adds nothing to the gradients.
            var empty = batch.Count == 0;
            var (x, y) = empty ? EmptyBatch() : pipeline.Upload(batch, training: true);
            producer.Release(batch);
            if (channelsLast) x = ChannelsLastLayout.Batch(x);
            Tensor logits, loss;
            var step = state.BatchesProcessed + batches;
            parallel?.BeforeForward(step);
            using (MixedPrecision())
            {
                logits = model.call(x);
                loss = empty ? logits.sum() : F.cross_entropy(logits, y, label_smoothing: options.LabelSmoothing);
            }
            parallel?.PrepareForBackward(loss);
            var lossValue = loss.item<float>();
            if (!float.IsFinite(lossValue))
                throw new InvalidOperationException($"the training loss became {lossValue} in epoch {epoch}, batch {batches + 1}{(parallel is null ? "" : $" on rank {rank}")}; lower the learning rate (now {optimizers.LearningRate}) or check the input data for NaN values");
            if (parallel is null) optimizers.Step(loss);
            else parallel.Backward(step, () => optimizers.Step(loss));
            var n = y.size(0);
            lossSum += lossValue * n;
            correct += logits.argmax(1).eq(y).sum().item<long>();
            seen += n;
            batches++;
            if (options.MetricsCallback is { } callback && WritesFiles && batches % options.MetricsBatchInterval == 0)
                callback(new TrainingMetrics(epoch, batches, false, (double)correct / seen, lossSum / seen, optimizers.LearningRate, null, null, seen / clock.Elapsed.TotalSeconds, producer.SkippedImages));
            if (checkpoint is not null && options.CheckpointEveryBatches > 0 && batches % options.CheckpointEveryBatches == 0)
            {
                state.EpochBatches = batches;
                if (WritesFiles) checkpoint.Save(model, optimizers, state);
            }
        }
        if (batches == 0)
            throw new InvalidOperationException(producer.SkippedImages > 0 ? $"every one of the {producer.SkippedImages} training images was unreadable and skipped" : "the training data has no rows");
        state.EpochBatches = 0;
        var skippedImages = producer.SkippedImages;
        if (parallel is not null)
        {
            var sums = parallel.Sum(lossSum, correct, seen, skippedImages);
            (lossSum, correct, seen, skippedImages) = (sums[0], (long)sums[1], (long)sums[2], (int)sums[3]);
            if (seen == 0 && skippedImages > 0 && batches > alreadyTrained)
                throw new InvalidOperationException($"every one of the {skippedImages} training images of the job's ranks was unreadable and skipped");
        }
        // A run resumed after its epoch's last batch has no batches of its own to report.
        return seen == 0 ? (double.NaN, double.NaN, 0, batches, skippedImages) : ((double)correct / seen, lossSum / seen, seen / clock.Elapsed.TotalSeconds, batches, skippedImages);
    }

    /// <summary>A batch of no images, shaped as the input, with no labels, on the training device.</summary>
    private (Tensor Images, Tensor Labels) EmptyBatch() =>
        (zeros([0, input.Channels, input.Height, input.Width], device: device), zeros([0], ScalarType.Int64, device));

    /// <summary>libtorch's autocast on the training device to bfloat16 or float16 as <see cref="CnnTrainerOptions.Precision"/> says, nothing for float32.</summary>
    private IDisposable? MixedPrecision() => options.Precision switch
    {
        TrainingPrecision.BFloat16 => autocast(device.type, ScalarType.BFloat16),
        TrainingPrecision.Float16 => autocast(device.type, ScalarType.Float16),
        _ => null,
    };

    private (double Accuracy, double Loss) Evaluate(IDataView validation)
    {
        model.eval();
        double lossSum = 0;
        long correct = 0, seen = 0;
        var shard = parallel is null ? null : new DataShard(parallel.Rank, parallel.WorldSize, 0, Pad: false);
        using var producer = new BatchProducer(validation, input, options.BatchSize, null, options.CancellationToken, options.SkipUnreadableImages, shard);
        using var inference = inference_mode();
        foreach (var batch in producer.Batches())
        {
            if (batch.Count == 0)
            {
                producer.Release(batch);
                continue;
            }
            using var scope = NewDisposeScope();
            var (x, y) = pipeline.Upload(batch, training: false);
            producer.Release(batch);
            if (channelsLast) x = ChannelsLastLayout.Batch(x);
            using var precision = MixedPrecision();
            var logits = model.call(x);
            lossSum += F.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
            seen += y.size(0);
        }
        if (parallel is not null)
        {
            var sums = parallel.Sum(lossSum, correct, seen);
            (lossSum, correct, seen) = (sums[0], (long)sums[1], (long)sums[2]);
        }
        if (seen == 0) throw new InvalidOperationException("the validation data has no rows");
        return ((double)correct / seen, lossSum / seen);
    }

    public void Dispose()
    {
        parallel?.Dispose();
        optimizers?.Dispose();
        pipeline?.Dispose();
        if (!modelHandedOut) model.Dispose();
    }
}
