namespace CnnMl.Data;

/// <summary>
/// Evaluation results of a multiclass classifier (as ML.NET's MulticlassClassificationMetrics).
/// Accuracies come from the predicted label column, log-losses and top-K accuracies from the score
/// (probability) vector.
/// </summary>
public sealed class MulticlassClassificationMetrics
{
    internal MulticlassClassificationMetrics(
        double microAccuracy,
        double macroAccuracy,
        double logLoss,
        double logLossReduction,
        int topKPredictionCount,
        IReadOnlyList<double>? topKAccuracyForAllK,
        IReadOnlyList<double> perClassLogLoss,
        ConfusionMatrix confusionMatrix)
    {
        MicroAccuracy = microAccuracy;
        MacroAccuracy = macroAccuracy;
        LogLoss = logLoss;
        LogLossReduction = logLossReduction;
        TopKPredictionCount = topKPredictionCount;
        TopKAccuracyForAllK = topKAccuracyForAllK;
        TopKAccuracy = topKAccuracyForAllK is { Count: > 0 } all ? all[^1] : 0;
        PerClassLogLoss = perClassLogLoss;
        ConfusionMatrix = confusionMatrix;
    }

    /// <summary>The fraction of rows whose predicted label is the true label.</summary>
    public double MicroAccuracy { get; }

    /// <summary>The mean over the classes present among the labels of each class's accuracy (its recall); scikit-learn's balanced accuracy.</summary>
    public double MacroAccuracy { get; }

    /// <summary>
    /// The mean over rows of -ln(p), where p is the score of the true class clipped below at 1e-15
    /// (as ML.NET). A perfect model has 0.
    /// </summary>
    public double LogLoss { get; }

    /// <summary>
    /// The relative log-loss reduction (information gain) over a model that always predicts the
    /// class frequencies of the labels: (priorLogLoss - LogLoss) / priorLogLoss; 1 is perfect, 0 no better than the prior.
    /// </summary>
    public double LogLossReduction { get; }

    /// <summary>The K of <see cref="TopKAccuracy"/> (0 when top-K accuracy was not requested).</summary>
    public int TopKPredictionCount { get; }

    /// <summary>TopKAccuracyForAllK[TopKPredictionCount - 1]: the fraction of rows whose true class is among the K highest scores (0 when not requested).</summary>
    public double TopKAccuracy { get; }

    /// <summary>Top-K accuracy for every K from 1 to <see cref="TopKPredictionCount"/> (null when not requested). Ties in scores rank the lower class index first.</summary>
    public IReadOnlyList<double>? TopKAccuracyForAllK { get; }

    /// <summary>The log-loss of the rows of each class (NaN for a class with no rows).</summary>
    public IReadOnlyList<double> PerClassLogLoss { get; }

    /// <summary>The counts of actual versus predicted classes, with per-class precision and recall.</summary>
    public ConfusionMatrix ConfusionMatrix { get; }
}
