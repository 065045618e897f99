using System.Text.Json.Nodes;
using CnnMl.Data;
using CnnMl.Model;
using CnnMl.Models;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers;

/// <summary>
/// A trained CNN in a pipeline: adds <c>Score</c> (softmax probabilities, one per class, with the
/// class names as SlotNames) and <c>PredictedLabel</c> (a key whose KeyValues are the class names),
/// scoring rows in batches while keeping their order. Saves its weights as safetensors in the model zip.
/// </summary>
public sealed class CnnClassificationTransformer : ITransformer, IDisposable
{
    internal const string Kind = "CnnClassifier";
    private const string WeightsEntry = "weights.safetensors";

    private readonly float[]? mean;
    private readonly float[]? std;
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
    /// How scoring (Transform, PredictionEngine) runs the network: by default on an optimized copy of
    /// <see cref="Model"/> (batch norms folded into their convolutions, inference mode, channels-last
    /// where it pays, convolutions and pooling on oneDNN with Winograd for 3x3 layers; see
    /// <see cref="Models.InferenceNetwork"/>), built on first use; <see cref="Model"/> and the saved model
    /// file keep the original weights. <see cref="Models.InferenceOptions.None"/> scores
    /// <see cref="Model"/> itself. Changing <see cref="Model"/>'s weights after scoring started needs
    /// this property set again (which rebuilds the copy).
    /// </summary>
    public InferenceOptions InferenceOptions
    {
        get => inferenceOptions;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (gate)
            {
                scorer?.Dispose();
                scorer = null;
                inferenceOptions = value;
            }
        }
    }

    private InferenceOptions inferenceOptions = new();
    private InferenceNetwork? scorer;

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => ScoringDataView.OutputSchema(this, inputSchema);

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ScoringDataView(this, input);
    }

    /// <summary>Class probabilities of a batch of images ([N, C, H, W] floats), one row of probabilities per image.</summary>
    internal float[] Score(ReadOnlySpan<float> images, int count)
    {
        lock (gate)
        {
            // Built outside inference mode: its parameters must stay ordinary tensors.
            scorer ??= CreateScorer();
            using var scope = NewDisposeScope();
            using var gradients = no_grad();
            var device = Model.parameters().First().device;
            var x = tensor(images[..(count * Channels * Height * Width)], new long[] { count, Channels, Height, Width }).to(device);
            if (mean is not null && std is not null)
                x = (x - tensor(mean, new long[] { 1, mean.Length, 1, 1 }, device)) / tensor(std, new long[] { 1, std.Length, 1, 1 }, device);
            return nn.functional.softmax(scorer.Predict(x), 1).ToArray<float>();
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
            return InferenceNetwork.Optimize(Model, new InferenceOptions { FoldBatchNorm = false, ChannelsLast = false, OneDnnKernels = false, InferenceMode = options.InferenceMode });
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

    public void Save(ModelSaveContext ctx)
    {
        ctx.Kind = Kind;
        ctx.Options["architecture"] = Architecture;
        ctx.Options["classNames"] = new JsonArray(ClassNames.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray());
        ctx.Options["channels"] = Channels;
        ctx.Options["height"] = Height;
        ctx.Options["width"] = Width;
        if (mean is not null) ctx.Options["normalizeMean"] = new JsonArray(mean.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        if (std is not null) ctx.Options["normalizeStd"] = new JsonArray(std.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        ctx.Options["featureColumnName"] = FeatureColumnName;
        ctx.Options["encodedImages"] = EncodedImages;
        ctx.Options["scoreColumnName"] = ScoreColumnName;
        ctx.Options["predictedLabelColumnName"] = PredictedLabelColumnName;
        var weights = Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        ctx.WriteEntry(WeightsEntry, stream => Safetensors.Save(weights, stream));
    }

    internal static CnnClassificationTransformer Load(ModelLoadContext ctx)
    {
        var architecture = ctx.Get<string>("architecture");
        var info = ModelZoo.Models.FirstOrDefault(m => m.Name == architecture)
            ?? throw new InvalidDataException($"model file: unknown architecture '{architecture}'");
        var classNames = ctx.GetStrings("classNames");
        if (classNames.Length < 2) throw new InvalidDataException($"model file: {classNames.Length} class names; a classifier has at least 2");
        var channels = ctx.Get<int>("channels");
        var height = ctx.Get<int>("height");
        var width = ctx.Get<int>("width");
        if (channels is < 1 or > 64 || height is < 1 or > 8192 || width is < 1 or > 8192)
            throw new InvalidDataException($"model file: input shape {channels}x{height}x{width} is out of range");
        if (info.ExactInputSize ? height != info.DefaultInputSize || width != info.DefaultInputSize : height < info.MinimumInputSize || width < info.MinimumInputSize)
            throw new InvalidDataException($"model file: {architecture} cannot take {height}x{width} input (it needs {(info.ExactInputSize ? "exactly" : "at least")} {(info.ExactInputSize ? info.DefaultInputSize : info.MinimumInputSize)} pixels a side)");
        var mean = Floats(ctx, "normalizeMean");
        var std = Floats(ctx, "normalizeStd");
        var model = info.Factory(classNames.Length, channels);
        try
        {
            Dictionary<string, Tensor> weights;
            using (var stream = ctx.OpenEntry(WeightsEntry)) weights = Safetensors.Load(stream, null, out _, $"{WeightsEntry} of {architecture}");
            try
            {
                // Model files hold the weights exactly as saved: a dtype other than the network's
                // would be converted silently by load_state_dict, so it is a damaged file.
                var own = model.state_dict();
                foreach (var (key, value) in weights)
                    if (own.TryGetValue(key, out var target) && target.dtype != value.dtype)
                        throw new InvalidDataException($"model file: weight '{key}' is stored as {value.dtype}, the network's is {target.dtype}");
                model.load_state_dict(weights);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"model file: the weights do not fit {architecture} with {classNames.Length} classes: {e.Message}", e);
            }
            finally
            {
                foreach (var t in weights.Values) t.Dispose();
            }
            return new CnnClassificationTransformer(model, architecture, classNames, channels, height, width, mean, std,
                ctx.Get<string>("featureColumnName"), ctx.Get<string>("scoreColumnName"), ctx.Get<string>("predictedLabelColumnName"), ctx.GetOrDefault("encodedImages", false));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static float[]? Floats(ModelLoadContext ctx, string name) =>
        ctx.Options[name] is JsonArray array ? array.Select(n => n?.GetValue<float>() ?? throw new InvalidDataException($"model file: {name} holds a null")).ToArray() : null;

    public void Dispose()
    {
        lock (gate)
        {
            scorer?.Dispose();
            scorer = null;
        }
        Model.Dispose();
    }
}
