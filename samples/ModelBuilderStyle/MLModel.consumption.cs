// The consumption half of the layout ML.NET Model Builder generates for image classification
// (MLModel.consumption.cs), on the real ML.NET with a CnnMl trainer inside.
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ModelBuilderStyle;

public partial class MLModel
{
    /// <summary>One image to classify, as Model Builder declares it: the encoded image bytes and its label.</summary>
    public class ModelInput
    {
        [ColumnName(@"Label")]
        public string Label { get; set; } = "";

        [ColumnName(@"ImageSource")]
        public byte[] ImageSource { get; set; } = [];
    }

    public class ModelOutput
    {
        [ColumnName(@"PredictedLabel")]
        public string PredictedLabel { get; set; } = "";

        [ColumnName(@"Score")]
        public float[] Score { get; set; } = [];
    }

    /// <summary>Where Train writes the model and Predict reads it from.</summary>
    public static string MLNetModelPath { get; set; } = Path.GetFullPath("MLModel.zip");

    /// <summary>The engine, created on first use from <see cref="MLNetModelPath"/>.</summary>
    public static readonly Lazy<PredictionEngine<ModelInput, ModelOutput>> PredictEngine = new(CreatePredictEngine, true);

    /// <summary>Classifies one image.</summary>
    public static ModelOutput Predict(ModelInput input) => PredictEngine.Value.Predict(input);

    /// <summary>Every label with its probability, most probable first.</summary>
    public static IOrderedEnumerable<KeyValuePair<string, float>> PredictAllLabels(ModelInput input)
    {
        var result = PredictEngine.Value.Predict(input);
        return GetSortedScoresWithLabels(result);
    }

    /// <summary>Pairs the scores of <paramref name="result"/> with the label names (the Score column's slot names).</summary>
    public static IOrderedEnumerable<KeyValuePair<string, float>> GetSortedScoresWithLabels(ModelOutput result)
    {
        var labels = GetLabels(result);
        return labels.Zip(result.Score, (label, score) => new KeyValuePair<string, float>(label, score)).OrderByDescending(p => p.Value);
    }

    private static IEnumerable<string> GetLabels(ModelOutput result)
    {
        var schema = PredictEngine.Value.OutputSchema;
        var column = schema.GetColumnOrNull("Score") ?? throw new InvalidOperationException("Score column not found; check that the model is a classifier");
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString());
    }

    private static PredictionEngine<ModelInput, ModelOutput> CreatePredictEngine()
    {
        var mlContext = new MLContext();
        ITransformer mlModel = mlContext.Model.Load(MLNetModelPath, out var _);
        return mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(mlModel);
    }
}
