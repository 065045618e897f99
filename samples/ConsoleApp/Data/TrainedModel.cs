using CnnMl.Trainers;

namespace CnnMl.ConsoleApp.Data;

/// <summary>
/// A model zip loaded for scoring: the pipeline, its CNN (for the input shape and class names) and
/// whether it starts from image paths. <see cref="Score"/> feeds it either features or image paths,
/// adding the image transforms when the model was trained on features.
/// </summary>
internal sealed class TrainedModel
{
    private readonly MLContext ml;

    private TrainedModel(MLContext ml, ITransformer pipeline, DataViewSchema inputSchema, CnnClassificationTransformer network)
    {
        this.ml = ml;
        Pipeline = pipeline;
        InputSchema = inputSchema;
        Network = network;
    }

    public ITransformer Pipeline { get; }
    public DataViewSchema InputSchema { get; }
    public CnnClassificationTransformer Network { get; }

    /// <summary>Loads <paramref name="path"/>; a missing file or a model without a CNN is one clear error.</summary>
    public static TrainedModel Load(MLContext ml, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' does not exist", path);
        ITransformer pipeline;
        DataViewSchema schema;
        try
        {
            pipeline = ml.Model.Load(path, out schema);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // ML.NET calls each transformer's loader by reflection: the reason is the innermost exception.
            var reason = e;
            while (reason is System.Reflection.TargetInvocationException { InnerException: { } inner }) reason = inner;
            throw new InvalidDataException($"model file '{path}' cannot be loaded: {reason.Message}", e);
        }
        var network = Find(pipeline) ?? throw new InvalidDataException($"model file '{path}' holds no CNN classifier");
        return new TrainedModel(ml, pipeline, schema, network);
    }

    /// <summary>Scores <paramref name="data"/> (Features, or ImagePath rows).</summary>
    public IDataView Score(IDataView data)
    {
        var modelTakesPaths = InputSchema.GetColumnOrNull(ImageInput.PathColumn) is not null;
        if (ImageInput.HasPaths(data.Schema) && !modelTakesPaths)
        {
            var images = ImageInput.Pipeline(ml, Network.Channels, Network.Height, Network.Width, Network.FeatureColumnName).Fit(data);
            data = images.Transform(data);
        }
        return Pipeline.Transform(data);
    }

    private static CnnClassificationTransformer? Find(ITransformer transformer) => transformer switch
    {
        CnnClassificationTransformer cnn => cnn,
        IEnumerable<ITransformer> chain => chain.Select(Find).LastOrDefault(t => t is not null),
        _ => null,
    };
}
