using CnnMl.MlNetInternals;
using CnnMl.Models;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers;

/// <summary>
/// Base of the CNN trainers: an estimator that trains a zoo network on a [C, H, W] float features
/// column and a key label column, and returns a <see cref="CnnClassificationTransformer"/>.
/// </summary>
public abstract class CnnTrainerBase<TOptions> : IEstimator<CnnClassificationTransformer> where TOptions : CnnTrainerOptions
{
    private protected CnnTrainerBase(MlContextSettings context, TOptions options)
    {
        Context = context ?? throw new ArgumentNullException(nameof(context));
        TrainerOptions = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        _ = ModelZoo.Describe(options.ArchitectureName);
    }

    private protected MlContextSettings Context { get; }

    /// <summary>The options this trainer was created with.</summary>
    public TOptions TrainerOptions { get; }

    /// <summary>Trains the network and returns the fitted transformer.</summary>
    public CnnClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        TrainerOptions.Validate();
        var info = ModelZoo.Describe(TrainerOptions.ArchitectureName);
        var resolved = TrainingInput.Resolve(input.Schema, TrainerOptions, info);
        var distributed = TrainerOptions.Distributed ?? DistributedTrainingOptions.FromEnvironment();
        if (distributed is { WorldSize: 1 }) distributed = null;
        // A rank of a job trains on its local rank's GPU unless the MLContext names one.
        var device = TrainingDevices.Select(TrainerOptions.Device, Context.GpuDeviceId ?? distributed?.LocalRank, Context.FallbackToCpu);
        var seed = TrainerOptions.Seed ?? Context.NextSeed();
        using var session = new TrainingSession(TrainerOptions, info, resolved, device, seed, distributed);
        return session.Run(input);
    }

    /// <summary>Adds Score (a float vector of class probabilities) and PredictedLabel (a key with the label's values), as ML.NET's multiclass trainers do.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!inputSchema.TryFindColumn(TrainerOptions.FeatureColumnName, out _))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"FeatureColumnName: column '{TrainerOptions.FeatureColumnName}' not found");
        if (!inputSchema.TryFindColumn(TrainerOptions.LabelColumnName, out var label) || !label.IsKey)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"LabelColumnName: key column '{TrainerOptions.LabelColumnName}' not found");
        var (score, predicted) = OutputColumns.Shapes(TrainerOptions.ScoreColumnName, TrainerOptions.PredictedLabelColumnName, label);
        var columns = inputSchema.Where(c => c.Name != score.Name && c.Name != predicted.Name).ToList();
        columns.Add(score);
        columns.Add(predicted);
        return new SchemaShape(columns);
    }
}

/// <summary>Chooses the training device from the options and the MLContext, as ML.NET's TorchSharp trainers do.</summary>
internal static class TrainingDevices
{
    public static Device Select(TrainingDevice requested, int? gpuDeviceId, bool fallbackToCpu)
    {
        var gpu = gpuDeviceId ?? 0;
        var available = cuda.is_available() && gpu < cuda.device_count();
        return requested switch
        {
            TrainingDevice.Cpu => CPU,
            TrainingDevice.Auto => available ? new Device(DeviceType.CUDA, gpu) : CPU,
            _ when available => new Device(DeviceType.CUDA, gpu),
            _ when fallbackToCpu => CPU,
            _ => throw new ArgumentException(
                $"Device is Cuda but no CUDA device {gpu} is available (libtorch {__version__} sees {cuda.device_count()} GPU(s)); set MLContext.FallbackToCpu = true or Device = Auto/Cpu", "Device"),
        };
    }
}
