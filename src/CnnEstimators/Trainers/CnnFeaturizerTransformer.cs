using CnnMl.MlNetInternals;
using CnnMl.Models;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers;

/// <summary>
/// A trained CNN used as a featurizer: adds one known-size float vector column holding, for each
/// image, the activations that enter the network's final classifier layer (averaged over height and
/// width where that layer is a convolution, as in NiN). ML.NET's other trainers (SdcaMaximumEntropy,
/// LightGbm, ...) train on it. Rows are computed in batches, in order; saved in ML.NET's model zip with
/// the network inside.
/// </summary>
public sealed class CnnFeaturizerTransformer : ITransformer, IDisposable
{
    private readonly bool ownsNetwork;

    internal CnnFeaturizerTransformer(CnnClassificationTransformer network, string outputColumnName, bool ownsNetwork)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        Network = network;
        OutputColumnName = outputColumnName;
        this.ownsNetwork = ownsNetwork;
        _ = network.EmbeddingSize;
    }

    /// <summary>The network whose penultimate activations this transformer outputs (its input column is <see cref="CnnClassificationTransformer.FeatureColumnName"/>).</summary>
    public CnnClassificationTransformer Network { get; }

    /// <summary>The column added, a float vector of <see cref="FeatureSize"/> values.</summary>
    public string OutputColumnName { get; }

    /// <summary>Values per image in <see cref="OutputColumnName"/>.</summary>
    public int FeatureSize => Network.EmbeddingSize;

    /// <summary>True: a PredictionEngine featurizes one row at a time.</summary>
    public bool IsRowToRowMapper => true;

    private ImageScoring Scoring => ImageScoring.Embeddings(Network, OutputColumnName);

    /// <summary>The input columns plus <see cref="OutputColumnName"/>.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return Scoring.OutputSchema(inputSchema);
    }

    /// <summary>A lazy view computing the features in batches of the network's ScoringBatchSize, keeping row order.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ScoringDataView(Scoring, input);
    }

    /// <summary>A mapper that featurizes one row at a time.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new ScoringRowMapper(Scoring, inputSchema);
    }

    /// <summary>Writes the featurizer, with its network as a nested model, into ML.NET's model zip.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => CnnFeaturizerModelFile.Save(ctx, Network, OutputColumnName);

    /// <summary>
    /// A featurizer over a zoo network with weights from a safetensors state_dict (for example one
    /// exported from torchvision): every weight except the final classifier's must be there.
    /// </summary>
    internal static CnnFeaturizerTransformer FromWeights(string architecture, string weightsPath, int channels, int height, int width,
        string inputColumnName, string outputColumnName, float[]? normalizeMean, float[]? normalizeStd)
    {
        var info = ModelZoo.Describe(architecture);
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be at least 1");
        if (info.InputSizeProblem(height, width) is { } sizeProblem) throw new ArgumentOutOfRangeException(nameof(height), sizeProblem);
        if ((normalizeMean is null) != (normalizeStd is null) || normalizeMean is not null && (normalizeMean.Length != channels || normalizeStd!.Length != channels))
            throw new ArgumentException($"normalizeMean and normalizeStd must be given together, {channels} values each", nameof(normalizeMean));
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"weights file '{weightsPath}' does not exist", weightsPath);
        ClassifierNetwork model;
        // Building the network initializes weights that are overwritten at once: keep the generator's state.
        using (var rng = random.get_rng_state())
        {
            model = info.Factory(2, channels);
            random.set_rng_state(rng);
        }
        try
        {
            PretrainedWeights.Load(model, weightsPath);
            var network = new CnnClassificationTransformer(model, architecture, ["0", "1"], channels, height, width, normalizeMean, normalizeStd,
                inputColumnName, "Score", "PredictedLabel", encodedImages: false);
            return new CnnFeaturizerTransformer(network, outputColumnName, ownsNetwork: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Releases the network when this featurizer made or loaded it (not one passed in from a trained pipeline).</summary>
    public void Dispose()
    {
        if (ownsNetwork) Network.Dispose();
    }
}

/// <summary>
/// Returns its <see cref="CnnFeaturizerTransformer"/> from <c>Fit</c> (the network is already
/// trained), after checking that the data has the network's input column.
/// </summary>
public sealed class CnnFeaturizerEstimator : IEstimator<CnnFeaturizerTransformer>
{
    private readonly CnnFeaturizerTransformer transformer;

    internal CnnFeaturizerEstimator(CnnFeaturizerTransformer transformer) => this.transformer = transformer;

    /// <summary>Checks the input column and returns the featurizer.</summary>
    public CnnFeaturizerTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _ = transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <summary>The input columns plus the feature vector column.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var input = transformer.Network.FeatureColumnName;
        if (!inputSchema.TryFindColumn(input, out _))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"the featurizer's input column '{input}' not found");
        return OutputColumns.WithVectorColumn(inputSchema, transformer.OutputColumnName);
    }
}
