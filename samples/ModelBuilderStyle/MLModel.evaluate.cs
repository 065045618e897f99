// The evaluation part of the Model Builder layout (MLModel.evaluate.cs).
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ModelBuilderStyle;

public partial class MLModel
{
    /// <summary>Scores <paramref name="testData"/> with <paramref name="model"/> and returns the multiclass metrics.</summary>
    public static MulticlassClassificationMetrics Evaluate(MLContext mlContext, ITransformer model, IDataView testData)
    {
        var predictions = model.Transform(testData);
        return mlContext.MulticlassClassification.Evaluate(predictions, labelColumnName: "Label", scoreColumnName: "Score", predictedLabelColumnName: "PredictedLabel");
    }

    /// <summary>Prints the metrics and the confusion table.</summary>
    public static void PrintMulticlassClassificationMetrics(MulticlassClassificationMetrics metrics)
    {
        Console.WriteLine($"MicroAccuracy:    {metrics.MicroAccuracy:F4}");
        Console.WriteLine($"MacroAccuracy:    {metrics.MacroAccuracy:F4}");
        Console.WriteLine($"LogLoss:          {metrics.LogLoss:F4}");
        Console.WriteLine($"LogLossReduction: {metrics.LogLossReduction:F4}");
        Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());
    }
}
