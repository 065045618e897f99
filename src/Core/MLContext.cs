namespace CnnMl;

/// <summary>
/// The entry point of CnnMl pipelines, as ML.NET's MLContext: catalogs of data operations,
/// transforms, trainers and evaluation, and model save/load.
/// </summary>
public sealed class MLContext
{
    private readonly object randomGate = new();
    private readonly Random random;

    /// <summary>Creates a context; a seed makes shuffling, splits and weight initialization repeatable.</summary>
    public MLContext(int? seed = null)
    {
        Seed = seed;
        random = seed is { } s ? new Random(s) : new Random();
        Data = new DataOperationsCatalog(this);
        Transforms = new TransformsCatalog(this);
        MulticlassClassification = new MulticlassClassificationCatalog(this);
        Model = new ModelOperationsCatalog(this);
    }

    /// <summary>The seed given at construction, if any.</summary>
    public int? Seed { get; }

    /// <summary>Loading, splitting, shuffling and caching data.</summary>
    public DataOperationsCatalog Data { get; }

    /// <summary>Data transforms (conversions, columns, images).</summary>
    public TransformsCatalog Transforms { get; }

    /// <summary>Multiclass trainers and evaluation.</summary>
    public MulticlassClassificationCatalog MulticlassClassification { get; }

    /// <summary>Saving, loading and prediction engines.</summary>
    public ModelOperationsCatalog Model { get; }

    /// <summary>The GPU trainers use when CUDA is available (null: the current device, as ML.NET).</summary>
    public int? GpuDeviceId { get; set; }

    /// <summary>Whether trainers fall back to the CPU when the requested GPU is not available.</summary>
    public bool FallbackToCpu { get; set; }

    /// <summary>A seed for a component, drawn from the context's generator (repeatable with a context seed).</summary>
    public int NextSeed()
    {
        lock (randomGate) return random.Next();
    }
}

/// <summary>Transform catalog; conversion transforms under <see cref="Conversion"/>, the rest as extension methods.</summary>
public sealed class TransformsCatalog
{
    internal TransformsCatalog(MLContext context)
    {
        Context = context;
        Conversion = new ConversionTransforms(context);
    }

    internal MLContext Context { get; }

    /// <summary>Key/value conversions.</summary>
    public ConversionTransforms Conversion { get; }

    /// <summary>Conversion transforms (MapValueToKey, MapKeyToValue).</summary>
    public sealed class ConversionTransforms
    {
        internal ConversionTransforms(MLContext context) => Context = context;

        internal MLContext Context { get; }
    }
}

/// <summary>Multiclass classification: trainers (extension methods on <see cref="Trainers"/>) and evaluation.</summary>
public sealed partial class MulticlassClassificationCatalog
{
    internal MulticlassClassificationCatalog(MLContext context)
    {
        Context = context;
        Trainers = new MulticlassClassificationTrainers(context);
    }

    internal MLContext Context { get; }

    /// <summary>The trainers; each CNN family adds an extension method (ResNet, LeNet, ...).</summary>
    public MulticlassClassificationTrainers Trainers { get; }

    /// <summary>Holder of the trainer extension methods.</summary>
    public sealed class MulticlassClassificationTrainers
    {
        internal MulticlassClassificationTrainers(MLContext context) => Context = context;

        /// <summary>The context the trainers are created in.</summary>
        public MLContext Context { get; }
    }
}
