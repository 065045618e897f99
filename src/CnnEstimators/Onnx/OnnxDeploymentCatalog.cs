using CnnMl.Onnx;
using CnnMl.Trainers;

namespace Microsoft.ML;

/// <summary>Options of <c>mlContext.Model.CreateOnnxDeployment</c> (<see cref="OnnxDeploymentCatalog"/>).</summary>
public sealed class OnnxDeploymentOptions
{
    /// <summary>A CUDA device for ONNX Runtime (needs the Microsoft.ML.OnnxRuntime.Gpu.Linux package where the deployment runs); null for the CPU.</summary>
    public int? GpuDeviceId { get; set; }

    /// <summary>Fall back to the CPU when <see cref="GpuDeviceId"/> cannot be used (ML.NET's ApplyOnnxModel option).</summary>
    public bool FallbackToCpu { get; set; }

    /// <summary>The largest difference allowed between ONNX Runtime's and libtorch's probabilities when each exported network is checked; default 1e-4.</summary>
    public double Tolerance { get; set; } = OnnxVerification.DefaultTolerance;
}

/// <summary>Turns a trained CnnMl pipeline into one that scores with ML.NET's own OnnxTransformer.</summary>
public static class OnnxDeploymentCatalog
{
    /// <summary>
    /// The same pipeline with every CnnMl classification transformer replaced by ML.NET's own
    /// components: <c>ApplyOnnxModel</c> (ONNX Runtime) on the network exported by
    /// <see cref="CnnClassificationTransformer.ExportToOnnx(OnnxTensorNames?)"/>, which writes the Score
    /// column (the class probabilities), and <c>MapValue</c>, which turns the predicted index into a
    /// key-typed PredictedLabel whose KeyValues are the class names (a one-slot vector: ONNX Runtime's
    /// outputs reach ML.NET as vectors). Every other transformer (LoadImages, ResizeImages,
    /// ExtractPixels, ...) is kept. Saved with <c>mlContext.Model.Save</c>, the result loads and scores
    /// in a program that references Microsoft.ML, Microsoft.ML.ImageAnalytics,
    /// Microsoft.ML.OnnxTransformer and ONNX Runtime, but neither CnnMl nor libtorch. Each export is
    /// checked against libtorch first (<see cref="CnnClassificationTransformer.VerifyOnnx"/>).
    /// </summary>
    /// <param name="catalog">ML.NET's model operations.</param>
    /// <param name="model">A fitted pipeline containing CnnMl classification transformers.</param>
    /// <param name="inputData">Data with the pipeline's input schema (its rows are not read).</param>
    /// <param name="options">GPU and verification options.</param>
    public static ITransformer CreateOnnxDeployment(this ModelOperationsCatalog catalog, ITransformer model, IDataView inputData, OnnxDeploymentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputData);
        return catalog.CreateOnnxDeployment(model, inputData.Schema, options);
    }

    /// <summary>
    /// <see cref="CreateOnnxDeployment(ModelOperationsCatalog, ITransformer, IDataView, OnnxDeploymentOptions?)"/>
    /// from the pipeline's input schema (what <c>mlContext.Model.Load</c> returns beside the model).
    /// </summary>
    public static ITransformer CreateOnnxDeployment(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, OnnxDeploymentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        options ??= new OnnxDeploymentOptions();
        var mlContext = new MLContext();
        IDataView inputData = new Microsoft.ML.Data.EmptyDataView(mlContext, inputSchema);
        var deployed = new List<ITransformer>();
        var data = inputData;
        var converted = 0;
        foreach (var transformer in Flatten(model))
        {
            var replacement = transformer switch
            {
                CnnClassificationTransformer cnn => Convert(mlContext, cnn, data, options),
                CnnFeaturizerTransformer => throw new NotSupportedException(
                    "CreateOnnxDeployment: the pipeline contains a CNN featurizer (FeaturizeImageWithCnn), which has no ONNX deployment; only classification transformers are converted"),
                _ => [transformer],
            };
            if (transformer is CnnClassificationTransformer) converted++;
            foreach (var part in replacement)
            {
                deployed.Add(part);
                data = part.Transform(data);
            }
        }
        if (converted == 0) throw new ArgumentException("the pipeline contains no CnnMl classification transformer to deploy with ONNX", nameof(model));
        return new TransformerChain<ITransformer>(deployed.ToArray());
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer)
    {
        if (transformer is IEnumerable<ITransformer> chain)
        {
            foreach (var part in chain)
                foreach (var inner in Flatten(part))
                    yield return inner;
        }
        else yield return transformer;
    }

    private static ITransformer[] Convert(MLContext mlContext, CnnClassificationTransformer cnn, IDataView data, OnnxDeploymentOptions options)
    {
        if (cnn.EncodedImages)
            throw new NotSupportedException(
                $"CreateOnnxDeployment: the network reads encoded image bytes from '{cnn.FeatureColumnName}', which ML.NET's own transforms cannot decode; " +
                "train it on pixels from LoadImages → ResizeImages → ExtractPixels to deploy it with ONNX");
        var index = cnn.PredictedLabelColumnName + ".Index";
        var names = new OnnxTensorNames(cnn.FeatureColumnName, cnn.ScoreColumnName, index);
        var model = cnn.ExportVerifiedOnnx(out _, names, options.Tolerance);

        var scoring = mlContext.Transforms.ApplyOnnxModel([cnn.ScoreColumnName, index], [cnn.FeatureColumnName], new MemoryStream(model, writable: false),
            options.GpuDeviceId, options.FallbackToCpu).Fit(data);
        var scored = scoring.Transform(data);
        var labels = cnn.ClassNames.Select((name, i) => new KeyValuePair<long, ReadOnlyMemory<char>>(i, name.AsMemory()));
        var labelling = mlContext.Transforms.Conversion.MapValue(cnn.PredictedLabelColumnName, labels, index, treatValuesAsKeyType: true).Fit(scored);
        var dropping = mlContext.Transforms.DropColumns(index).Fit(labelling.Transform(scored));
        return [scoring, labelling, dropping];
    }
}
