namespace CnnMl.Trainers;

/// <summary>Optimizers a CNN trainer can use.</summary>
public enum CnnOptimizer
{
    /// <summary>Stochastic gradient descent with momentum.</summary>
    Sgd,
    /// <summary>Adam (Kingma and Ba 2015).</summary>
    Adam,
    /// <summary>Adam with decoupled weight decay (Loshchilov and Hutter 2019).</summary>
    AdamW,
}

/// <summary>How the learning rate changes over epochs (after the warmup epochs).</summary>
public enum LearningRateSchedule
{
    /// <summary>The rate stays at <see cref="CnnTrainerOptions.LearningRate"/>.</summary>
    Constant,
    /// <summary>The rate is multiplied by <see cref="CnnTrainerOptions.StepGamma"/> every <see cref="CnnTrainerOptions.StepSize"/> epochs.</summary>
    Step,
    /// <summary>Cosine annealing to zero over the remaining epochs.</summary>
    Cosine,
}

/// <summary>Where training runs.</summary>
public enum TrainingDevice
{
    /// <summary>CUDA when libtorch has a usable GPU (MLContext.GpuDeviceId), else the CPU.</summary>
    Auto,
    /// <summary>The CPU.</summary>
    Cpu,
    /// <summary>A CUDA GPU (MLContext.GpuDeviceId); falls back to the CPU only when MLContext.FallbackToCpu is set.</summary>
    Cuda,
}

/// <summary>The precision of a training run's forward pass and loss (<see cref="CnnTrainerOptions.Precision"/>).</summary>
public enum TrainingPrecision
{
    /// <summary>Everything in float32.</summary>
    Float32,

    /// <summary>
    /// Mixed precision: the forward pass and the loss run under libtorch's autocast to bfloat16 (on the
    /// CPU or CUDA), as <c>torch.autocast(device, dtype=torch.bfloat16)</c> does: convolutions and
    /// matrix products in bfloat16, the loss and reductions in float32. Weights, gradients, optimizer
    /// state, checkpoints and model files stay float32.
    /// </summary>
    BFloat16,

    /// <summary>
    /// Mixed precision on CUDA: autocast to float16 with dynamic loss scaling (<c>torch.amp.GradScaler</c>:
    /// steps with inf or NaN gradients are skipped and the scale halved, and it doubles after 2,000 finite
    /// steps). Float32 weights, optimizer state and files, as for BFloat16. Not on the CPU, where
    /// libtorch's autocast runs bfloat16 only.
    /// </summary>
    Float16,
}

/// <summary>The validation metric early stopping watches.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>Validation accuracy (higher is better).</summary>
    Accuracy,
    /// <summary>Validation cross-entropy (lower is better).</summary>
    Loss,
}

/// <summary>Stops training when the validation metric has not improved by <see cref="MinDelta"/> for <see cref="Patience"/> epochs.</summary>
public sealed class EarlyStoppingOptions
{
    public EarlyStoppingMetric Metric { get; set; } = EarlyStoppingMetric.Loss;

    /// <summary>Epochs without improvement before stopping (at least 1).</summary>
    public int Patience { get; set; } = 3;

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta { get; set; }
}

/// <summary>Training-time image augmentation and input normalization (applied on the batch tensor).</summary>
public sealed class AugmentationOptions
{
    /// <summary>Pads each side by this many pixels and crops back at a random position (0: off).</summary>
    public int RandomCropPadding { get; set; }

    /// <summary>Flips half of the images left to right.</summary>
    public bool RandomHorizontalFlip { get; set; }

    /// <summary>Per-channel mean subtracted from inputs in training and scoring (null: none).</summary>
    public float[]? NormalizeMean { get; set; }

    /// <summary>Per-channel standard deviation inputs are divided by (null: none).</summary>
    public float[]? NormalizeStd { get; set; }
}

/// <summary>One progress report from a trainer: per batch (<see cref="IsEpochEnd"/> false) and per epoch.</summary>
public sealed record TrainingMetrics(
    int Epoch,
    long BatchesProcessed,
    bool IsEpochEnd,
    double TrainAccuracy,
    double TrainCrossEntropy,
    double LearningRate,
    double? ValidationAccuracy,
    double? ValidationCrossEntropy,
    double ImagesPerSecond,
    int SkippedImages);

/// <summary>
/// Options shared by every CNN trainer (each family's Options derives from it), with ML.NET's
/// column-name defaults. <see cref="Validate"/> checks them all before any work starts.
/// </summary>
public abstract class CnnTrainerOptions
{
    public string LabelColumnName { get; set; } = "Label";
    public string FeatureColumnName { get; set; } = "Features";
    public string ScoreColumnName { get; set; } = "Score";
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>
    /// Passes over the training data. Resuming from a <see cref="CheckpointDirectory"/>, it is the one
    /// option that may differ from the checkpoint's: it may grow (train longer), with a Constant or Step
    /// <see cref="LearningRateSchedule"/>, whose rate in an epoch does not depend on Epochs, so the run
    /// ends as one started with the larger value would; it may not shrink, nor change with Cosine,
    /// whose length it is.
    /// </summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Images per training step.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Initial learning rate (after warmup).</summary>
    public double LearningRate { get; set; } = 0.01;

    public CnnOptimizer Optimizer { get; set; } = CnnOptimizer.Sgd;

    /// <summary>Momentum of SGD.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>L2 penalty (SGD, Adam) or decoupled decay (AdamW).</summary>
    public double WeightDecay { get; set; } = 5e-4;

    public LearningRateSchedule LearningRateSchedule { get; set; } = LearningRateSchedule.Constant;

    /// <summary>Epochs between decays of the step schedule.</summary>
    public int StepSize { get; set; } = 30;

    /// <summary>Decay factor of the step schedule.</summary>
    public double StepGamma { get; set; } = 0.1;

    /// <summary>Epochs of linear warmup from a tenth of the rate (0: none).</summary>
    public int WarmupEpochs { get; set; }

    /// <summary>Label smoothing of the cross-entropy loss, in [0, 1).</summary>
    public double LabelSmoothing { get; set; }

    /// <summary>Data scored after each epoch (takes precedence over <see cref="ValidationFraction"/>).</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>Fraction of the training rows held out for validation when no <see cref="ValidationSet"/> is given (0: none).</summary>
    public double ValidationFraction { get; set; }

    /// <summary>Early stopping on the validation metric (needs validation data).</summary>
    public EarlyStoppingOptions? EarlyStopping { get; set; }

    /// <summary>Keeps the weights of the epoch with the best validation metric rather than the last.</summary>
    public bool KeepBestWeights { get; set; } = true;

    /// <summary>Receives per-batch and per-epoch metrics.</summary>
    public Action<TrainingMetrics>? MetricsCallback { get; set; }

    /// <summary>Batches between per-batch reports (at least 1).</summary>
    public int MetricsBatchInterval { get; set; } = 50;

    public TrainingDevice Device { get; set; } = TrainingDevice.Auto;

    /// <summary>
    /// Train with convolution weights and batches in the channels-last layout
    /// (<see cref="Models.ChannelsLastLayout"/>). Null (default): on the CPU when the network's widest
    /// convolution has at least 64 output channels, where it was measured faster for every zoo family
    /// (in bfloat16, <see cref="Precision"/>, not for networks with depthwise convolutions:
    /// <see cref="Models.ChannelsLastLayout.PaysInBFloat16"/>); off on a GPU, where it was not measured.
    /// </summary>
    public bool? ChannelsLast { get; set; }

    /// <summary>
    /// The precision of the forward pass and loss (<see cref="TrainingPrecision"/>); default Float32.
    /// A run resumed from a checkpoint may change it: the checkpoint holds float32 weights either way.
    /// </summary>
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Float32;

    /// <summary>Seed of weights, shuffling and augmentation (default: the MLContext seed).</summary>
    public int? Seed { get; set; }

    public AugmentationOptions Augmentation { get; set; } = new();

    /// <summary>A safetensors state_dict (e.g. exported from torchvision); the classifier is replaced when the class count differs.</summary>
    public string? PretrainedWeightsPath { get; set; }

    /// <summary>Trains only the classifier (with <see cref="PretrainedWeightsPath"/>, the usual fine-tuning).</summary>
    public bool FreezeFeatures { get; set; }

    /// <summary>
    /// Folder for a checkpoint at each epoch end; training resumes from it when restarted with the same
    /// recipe: every option the training trajectory depends on (architecture, classes, input shape,
    /// seed, optimizer and its settings, schedule, warmup, label smoothing, batch size, validation,
    /// early stopping, augmentation and normalization, channels-last, pretrained weights and freezing;
    /// <see cref="Epochs"/> may grow). A different recipe is an error naming each option that differs.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>
    /// With <see cref="CheckpointDirectory"/>, also writes a checkpoint every this many batches within
    /// an epoch, so a killed run loses at most that many batches (0: only at epoch ends).
    /// </summary>
    public int CheckpointEveryBatches { get; set; }

    /// <summary>Stops training (OperationCanceledException) between batches.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// What an unreadable image (a missing or corrupt file, undecodable bytes) does to training:
    /// false (default) stops with an error naming the file or row; true skips the row and counts it
    /// in <see cref="TrainingMetrics.SkippedImages"/>.
    /// </summary>
    public bool SkipUnreadableImages { get; set; }

    /// <summary>
    /// Square input size: what encoded image bytes are decoded and resized to, and the height and width
    /// of a flat features vector (default: the architecture's default input size). A features column
    /// with [C, H, W] dimensions (as ExtractPixels gives) needs neither this nor <see cref="ImageChannels"/>.
    /// </summary>
    public int? ImageSize { get; set; }

    /// <summary>Channels of a flat features vector (default: the architecture's input channels).</summary>
    public int? ImageChannels { get; set; }

    /// <summary>
    /// Data-parallel training across processes (and machines): every rank runs the same Fit on the same
    /// data, trains on its own share of each epoch and averages gradients with the others (PyTorch's
    /// DistributedDataParallel semantics, see <see cref="DistributedTrainingOptions"/>). Null (default):
    /// the job torchrun-style environment variables describe (<c>cnnml train --nproc-per-node</c> sets
    /// them), else a single process.
    /// </summary>
    public DistributedTrainingOptions? Distributed { get; set; }

    /// <summary>The zoo name of the network this options object trains.</summary>
    internal abstract string ArchitectureName { get; }

    /// <summary>Checks every option, naming the option and its allowed range.</summary>
    public virtual void Validate()
    {
        static ArgumentException Bad(string option, object? value, string range) =>
            new ArgumentOutOfRangeException(option, value, $"{option} must be {range}, got {value}");
        if (Epochs < 1) throw Bad(nameof(Epochs), Epochs, "at least 1");
        if (BatchSize < 1) throw Bad(nameof(BatchSize), BatchSize, "at least 1");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw Bad(nameof(LearningRate), LearningRate, "a positive finite number");
        if (Momentum < 0 || Momentum >= 1) throw Bad(nameof(Momentum), Momentum, "in [0, 1)");
        if (WeightDecay < 0) throw Bad(nameof(WeightDecay), WeightDecay, "non-negative");
        if (StepSize < 1) throw Bad(nameof(StepSize), StepSize, "at least 1");
        if (!(StepGamma > 0 && StepGamma <= 1)) throw Bad(nameof(StepGamma), StepGamma, "in (0, 1]");
        if (WarmupEpochs < 0) throw Bad(nameof(WarmupEpochs), WarmupEpochs, "non-negative");
        if (LabelSmoothing < 0 || LabelSmoothing >= 1) throw Bad(nameof(LabelSmoothing), LabelSmoothing, "in [0, 1)");
        if (ValidationFraction < 0 || ValidationFraction >= 1) throw Bad(nameof(ValidationFraction), ValidationFraction, "in [0, 1)");
        if (MetricsBatchInterval < 1) throw Bad(nameof(MetricsBatchInterval), MetricsBatchInterval, "at least 1");
        if (CheckpointEveryBatches < 0) throw Bad(nameof(CheckpointEveryBatches), CheckpointEveryBatches, "non-negative (0: checkpoints only at epoch ends)");
        if (CheckpointEveryBatches > 0 && CheckpointDirectory is null)
            throw new ArgumentException("CheckpointEveryBatches needs CheckpointDirectory", nameof(CheckpointEveryBatches));
        if (EarlyStopping is { } es)
        {
            if (es.Patience < 1) throw Bad("EarlyStopping.Patience", es.Patience, "at least 1");
            if (es.MinDelta < 0) throw Bad("EarlyStopping.MinDelta", es.MinDelta, "non-negative");
            if (ValidationSet is null && ValidationFraction == 0)
                throw new ArgumentException("EarlyStopping needs validation data: set ValidationSet or ValidationFraction", nameof(EarlyStopping));
        }
        if (Augmentation.RandomCropPadding < 0) throw Bad("Augmentation.RandomCropPadding", Augmentation.RandomCropPadding, "non-negative");
        if ((Augmentation.NormalizeMean is null) != (Augmentation.NormalizeStd is null))
            throw new ArgumentException("Augmentation.NormalizeMean and NormalizeStd must be given together", nameof(Augmentation));
        if (Augmentation.NormalizeStd is { } std && std.Any(s => !(s > 0)))
            throw new ArgumentException("Augmentation.NormalizeStd values must be positive", nameof(Augmentation));
        if (PretrainedWeightsPath is { } path && !File.Exists(path))
            throw new FileNotFoundException($"PretrainedWeightsPath '{path}' does not exist", path);
        if (FreezeFeatures && PretrainedWeightsPath is null)
            throw new ArgumentException("FreezeFeatures needs PretrainedWeightsPath: frozen random features would not learn", nameof(FreezeFeatures));
        Distributed?.Validate();
        if (ImageSize is < 1) throw Bad(nameof(ImageSize), ImageSize, "at least 1");
        if (ImageChannels is < 1) throw Bad(nameof(ImageChannels), ImageChannels, "at least 1");
        foreach (var (name, value) in new[] { (nameof(LabelColumnName), LabelColumnName), (nameof(FeatureColumnName), FeatureColumnName), (nameof(ScoreColumnName), ScoreColumnName), (nameof(PredictedLabelColumnName), PredictedLabelColumnName) })
            if (string.IsNullOrEmpty(value)) throw new ArgumentException($"{name} must not be empty", name);
    }
}
