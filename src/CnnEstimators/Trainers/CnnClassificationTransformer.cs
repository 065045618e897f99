using CnnMl.MlNetInternals;
using CnnMl.Models;
using CnnMl.Onnx;
using CnnMl.Torch;
using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers;

/// <summary>
/// A trained CNN in a pipeline: adds <c>Score</c> (softmax probabilities, one per class, with the
/// class names as SlotNames) and <c>PredictedLabel</c> (a key whose KeyValues are the class names),
/// scoring rows in batches while keeping their order. Saves its weights as safetensors in the model zip.
/// </summary>
public sealed class CnnClassificationTransformer : ITransformer, IDisposable
{
    private readonly float[]? mean;
    private readonly float[]? std;
    private readonly Normalization? normalization;
    private readonly object gate = new();

    internal CnnClassificationTransformer(ClassifierNetwork model, string architecture, IReadOnlyList<string> classNames, int channels, int height, int width,
        float[]? mean, float[]? std, string featureColumnName, string scoreColumnName, string predictedLabelColumnName, bool encodedImages)
    {
        EncodedImages = encodedImages;
        Model = model;
        Architecture = architecture;
        ClassNames = classNames.ToArray();
        Channels = channels;
        Height = height;
        Width = width;
        this.mean = mean?.ToArray();
        this.std = std?.ToArray();
        normalization = this.mean is null || this.std is null ? null : new Normalization(this.mean, this.std);
        FeatureColumnName = featureColumnName;
        ScoreColumnName = scoreColumnName;
        PredictedLabelColumnName = predictedLabelColumnName;
        Model.eval();
    }

    /// <summary>The trained network (in eval mode).</summary>
    public ClassifierNetwork Model { get; }

    /// <summary>The zoo name of the architecture.</summary>
    public string Architecture { get; }

    /// <summary>Class names, indexed by predicted key - 1.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public string FeatureColumnName { get; }
    public string ScoreColumnName { get; }
    public string PredictedLabelColumnName { get; }

    /// <summary>True when the features column holds encoded image bytes that are decoded and resized before scoring.</summary>
    public bool EncodedImages { get; }

    /// <summary>Rows scored per network call.</summary>
    public int ScoringBatchSize { get; set; } = 64;

    /// <summary>
    /// What computes Score and PredictedLabel (Transform, PredictionEngine). <see cref="CnnScoringEngine.Auto"/>
    /// (default): ONNX Runtime on the CPU when the network's ONNX export runs there with libtorch's
    /// probabilities (checked once, on first use: <see cref="VerifyOnnx"/>), libtorch otherwise (and on a
    /// GPU); <see cref="ScoringEngineInUse"/> says which and why. The featurizer's embeddings always come
    /// from libtorch. Setting it (like <see cref="InferenceOptions"/>) rebuilds the scoring network on the
    /// next use, which also picks up weights changed in <see cref="Model"/>.
    /// </summary>
    public CnnScoringEngine ScoringEngine
    {
        get => scoringEngine;
        set
        {
            lock (gate)
            {
                ResetScoring();
                scoringEngine = value;
            }
        }
    }

    private CnnScoringEngine scoringEngine = CnnScoringEngine.Auto;
    private OnnxScoringSession? onnxSession;
    private string? engineInUse;

    /// <summary>Which engine scores and why, once scoring has started (null before).</summary>
    public string? ScoringEngineInUse
    {
        get
        {
            lock (gate) return engineInUse;
        }
    }

    /// <summary>
    /// How the libtorch engine (<see cref="ScoringEngine"/>) runs the network: by default on an optimized copy of
    /// <see cref="Model"/> (batch norms folded into their convolutions, inference mode, channels-last
    /// where it pays, convolutions and pooling on oneDNN with Winograd for 3x3 layers; see
    /// <see cref="Models.InferenceNetwork"/>), built on first use; <see cref="Model"/> and the saved model
    /// file keep the original weights. <see cref="Models.InferenceOptions.None"/> scores
    /// <see cref="Model"/> itself. <see cref="Models.InferenceOptions.Precision"/> = BFloat16 opts in to
    /// scoring (and featurizing) under bfloat16 autocast; <see cref="CnnScoringEngine.Auto"/> then scores
    /// with libtorch. Changing <see cref="Model"/>'s weights after scoring started needs this property
    /// set again (which rebuilds the copy).
    /// </summary>
    public InferenceOptions InferenceOptions
    {
        get => inferenceOptions;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (gate)
            {
                ResetScoring();
                inferenceOptions = value;
            }
        }
    }

    private InferenceOptions inferenceOptions = new();
    private InferenceNetwork? scorer;

    /// <summary>True: a PredictionEngine scores one row at a time through <see cref="GetRowToRowMapper"/>.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input columns plus Score and PredictedLabel.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return ImageScoring.Classes(this).OutputSchema(inputSchema);
    }

    /// <summary>A lazy view that scores its rows in batches of <see cref="ScoringBatchSize"/>, keeping their order.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ScoringDataView(ImageScoring.Classes(this), input);
    }

    /// <summary>A mapper that scores one row at a time (what ML.NET's PredictionEngine uses).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new ScoringRowMapper(ImageScoring.Classes(this), inputSchema);
    }

    /// <summary>Class probabilities of a batch of images ([N, C, H, W] floats), one row of probabilities per image.</summary>
    internal float[] Score(ReadOnlySpan<float> images, int count)
    {
        lock (gate)
        {
            if (engineInUse is null) ChooseEngine();
            if (onnxSession is not null) return onnxSession.Probabilities(images[..(count * Channels * Height * Width)], count);
            return Run(images, count, (scorer, x) => nn.functional.softmax(scorer.Predict(x), 1).ToArray<float>());
        }
    }

    /// <summary>Resolves <see cref="ScoringEngine"/>: opens and checks the ONNX Runtime session, or records why libtorch scores.</summary>
    private void ChooseEngine()
    {
        var device = Model.parameters().First().device;
        if (scoringEngine == CnnScoringEngine.Libtorch)
        {
            engineInUse = "libtorch (chosen)";
            return;
        }
        if (inferenceOptions.Precision != InferencePrecision.Float32)
        {
            if (scoringEngine == CnnScoringEngine.OnnxRuntime)
                throw new InvalidOperationException($"ScoringEngine OnnxRuntime scores in float32, and InferenceOptions.Precision is {inferenceOptions.Precision}: set ScoringEngine to Auto or Libtorch for {inferenceOptions.Precision} scoring, or Precision to Float32");
            engineInUse = $"libtorch (InferenceOptions.Precision = {inferenceOptions.Precision}; the ONNX Runtime engine scores in float32)";
            return;
        }
        if (scoringEngine == CnnScoringEngine.Auto && device.type != DeviceType.CPU)
        {
            engineInUse = $"libtorch (the network is on {device}; the ONNX Runtime engine here runs on the CPU)";
            return;
        }
        try
        {
            var model = ExportVerifiedOnnx(out var check);
            onnxSession = new OnnxScoringSession(model, threads: Math.Max(1, get_num_threads()));
            engineInUse = $"ONNX Runtime (export checked: max probability difference {check.MaxAbsoluteDifference:E1} from libtorch)";
        }
        catch (Exception e) when (scoringEngine == CnnScoringEngine.Auto && e is not OutOfMemoryException)
        {
            // An operation the exporter cannot translate, a failed check, or ONNX Runtime's native
            // library missing on this platform: libtorch scores, and says why.
            engineInUse = $"libtorch ({e.GetType().Name}: {e.Message})";
        }
    }

    /// <summary>Drops the scoring network and session; the next scoring call builds them again.</summary>
    private void ResetScoring()
    {
        scorer?.Dispose();
        scorer = null;
        onnxSession?.Dispose();
        onnxSession = null;
        engineInUse = null;
    }

    /// <summary>The length of an <see cref="Embed"/> row: the inputs of the final classifier layer.</summary>
    public int EmbeddingSize => Classifier(Model) switch
    {
        Linear linear => checked((int)linear.in_features),
        Conv2d conv => checked((int)conv.in_channels),
        var other => throw new NotSupportedException($"{Architecture}: the classifier layer '{Model.ClassifierName}' is a {other.GetType().Name}, not a Linear or Conv2d layer"),
    };

    /// <summary>
    /// The activations entering the final classifier layer (averaged over height and width where that
    /// layer is a convolution), <see cref="EmbeddingSize"/> per image: the penultimate features a
    /// featurizer gives other trainers.
    /// </summary>
    internal float[] Embed(ReadOnlySpan<float> images, int count) => Run(images, count, (scorer, x) =>
    {
        float[]? captured = null;
        var classifier = (nn.Module<Tensor, Tensor>)Classifier(scorer.Network);
        using (classifier.register_forward_hook((_, input, _) =>
        {
            using var pooled = input.dim() == 4 ? input.mean(new long[] { 2, 3 }) : input.flatten(1);
            using var flat = pooled.to(ScalarType.Float32); // bfloat16 under InferenceOptions.Precision
            captured = flat.ToArray<float>();
        }))
            scorer.Predict(x).Dispose();
        return captured ?? throw new InvalidOperationException($"{Architecture}: the classifier layer '{Model.ClassifierName}' did not run");
    });

    private static nn.Module Classifier(ClassifierNetwork network) =>
        network.named_modules().First(m => m.name == network.ClassifierName).module;

    /// <summary>Runs <paramref name="read"/> on the scoring network and a batch tensor made from <paramref name="images"/> (normalized as in training).</summary>
    private float[] Run(ReadOnlySpan<float> images, int count, Func<InferenceNetwork, Tensor, float[]> read)
    {
        lock (gate)
        {
            // Built outside inference mode: its parameters must stay ordinary tensors.
            scorer ??= CreateScorer();
            using var scope = NewDisposeScope();
            using var gradients = no_grad();
            var device = Model.parameters().First().device;
            var x = tensor(images[..(count * Channels * Height * Width)], new long[] { count, Channels, Height, Width }).to(device);
            if (normalization is not null) x = normalization.Apply(x);
            return read(scorer, x);
        }
    }

    /// <summary>
    /// An optimized copy of <see cref="Model"/> (same architecture, weights copied) when any
    /// optimization is on; the model itself, unchanged, otherwise.
    /// </summary>
    private InferenceNetwork CreateScorer()
    {
        var options = inferenceOptions;
        var info = ModelZoo.Models.FirstOrDefault(m => m.Name == Architecture);
        if (info is null || !(options.FoldBatchNorm || options.ChannelsLast != false || options.OneDnnKernels))
            return InferenceNetwork.Optimize(Model, new InferenceOptions { FoldBatchNorm = false, ChannelsLast = false, OneDnnKernels = false, InferenceMode = options.InferenceMode, Precision = options.Precision });
        ClassifierNetwork copy;
        // Building the copy initializes weights that are overwritten at once: keep the generator's state
        // so scoring does not change what a seeded program draws next.
        using (var rng = random.get_rng_state())
        {
            copy = info.Factory(Model.NumClasses, Model.InChannels);
            random.set_rng_state(rng);
        }
        try
        {
            copy.to(Model.parameters().First().device);
            copy.load_state_dict(Model.state_dict());
            copy.eval();
            return InferenceNetwork.Optimize(copy, options, ownsNetwork: true);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>The per-channel normalization the network was trained with, or null.</summary>
    public Normalization? Normalization => mean is null || std is null ? null : new Normalization(mean.ToArray(), std.ToArray());

    /// <summary>
    /// Writes the network as an ONNX model (opset <see cref="OnnxExport.Opset"/>, see <see cref="OnnxExport"/>):
    /// float [batch, <see cref="Channels"/>, <see cref="Height"/>, <see cref="Width"/>] pixels in, as this
    /// transformer receives them (the training normalization is part of the graph), class probabilities
    /// and the predicted class index out; the class names are in the model's metadata.
    /// </summary>
    /// <param name="output">Where the model's bytes go.</param>
    /// <param name="names">The input's and outputs' names; null for <see cref="OnnxTensorNames.Default"/>.</param>
    public void ExportToOnnx(Stream output, OnnxTensorNames? names = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(ExportToOnnx(names));
    }

    /// <summary>The ONNX model's bytes (see <see cref="ExportToOnnx(Stream, OnnxTensorNames?)"/>).</summary>
    public byte[] ExportToOnnx(OnnxTensorNames? names = null)
    {
        lock (gate) return OnnxExport.Export(Model, Height, Width, normalization, ClassNames, Architecture, names);
    }

    /// <summary>
    /// Runs <paramref name="onnxModel"/> (an export of this transformer) in ONNX Runtime and the network
    /// in libtorch on the same pseudo-random images, and reports how far their probabilities are apart.
    /// </summary>
    public OnnxVerificationResult VerifyOnnx(byte[] onnxModel, double tolerance = OnnxVerification.DefaultTolerance, OnnxTensorNames? names = null)
    {
        lock (gate) return OnnxVerification.Compare(Model, onnxModel, normalization, tolerance: tolerance, names: names);
    }

    /// <summary>
    /// <see cref="ExportToOnnx(OnnxTensorNames?)"/>, then <see cref="VerifyOnnx"/>: the model's bytes when
    /// ONNX Runtime gives libtorch's probabilities within <paramref name="tolerance"/>, an
    /// <see cref="InvalidOperationException"/> naming the difference otherwise.
    /// </summary>
    public byte[] ExportVerifiedOnnx(out OnnxVerificationResult check, OnnxTensorNames? names = null, double tolerance = OnnxVerification.DefaultTolerance)
    {
        var model = ExportToOnnx(names);
        check = VerifyOnnx(model, tolerance, names);
        if (!check.Passed)
            throw new InvalidOperationException($"the ONNX export of {Architecture} differs from libtorch by {check.MaxAbsoluteDifference:E2} (more than {check.Tolerance:E1})");
        return model;
    }

    /// <summary>Writes the network into ML.NET's model zip (called by <c>mlContext.Model.Save</c>).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        var description = new CnnModelDescription(Architecture, ClassNames.ToArray(), Channels, Height, Width, mean, std,
            FeatureColumnName, ScoreColumnName, PredictedLabelColumnName, EncodedImages);
        var weights = Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        CnnModelFile.Save(ctx, description.ToJson(), stream => Safetensors.Save(weights, stream));
    }

    /// <summary>Rebuilds a transformer from a model entry whose digests <see cref="CnnModelFile"/> has checked; every field is validated again.</summary>
    internal static CnnClassificationTransformer Load(byte[] descriptionJson, byte[] weightsBytes)
    {
        var (d, info) = CnnModelDescription.FromJson(descriptionJson);
        var model = info.Factory(d.ClassNames.Length, d.Channels);
        try
        {
            Dictionary<string, Tensor> weights;
            try
            {
                using var stream = new MemoryStream(weightsBytes, writable: false);
                weights = Safetensors.Load(stream, null, out _, $"weights of {d.Architecture}");
            }
            catch (InvalidDataException e)
            {
                throw CnnModelFile.Damaged($"its weights are not valid safetensors: {e.Message}", e);
            }
            try
            {
                // Model files hold the weights exactly as saved: a dtype other than the network's
                // would be converted silently by load_state_dict, so it is a damaged file.
                var own = model.state_dict();
                foreach (var (key, value) in weights)
                    if (own.TryGetValue(key, out var target) && target.dtype != value.dtype)
                        throw CnnModelFile.Damaged($"weight '{key}' is stored as {value.dtype}, the network's is {target.dtype}");
                model.load_state_dict(weights);
            }
            catch (ArgumentException e)
            {
                throw CnnModelFile.Damaged($"the weights do not fit {d.Architecture} with {d.ClassNames.Length} classes: {e.Message}", e);
            }
            finally
            {
                foreach (var t in weights.Values) t.Dispose();
            }
            return new CnnClassificationTransformer(model, d.Architecture, d.ClassNames, d.Channels, d.Height, d.Width, d.NormalizeMean, d.NormalizeStd,
                d.FeatureColumnName, d.ScoreColumnName, d.PredictedLabelColumnName, d.EncodedImages);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        lock (gate) ResetScoring();
        Model.Dispose();
    }
}
