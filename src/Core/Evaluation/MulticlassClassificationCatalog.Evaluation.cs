using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Evaluation;

namespace CnnMl;

public sealed partial class MulticlassClassificationCatalog : TrainCatalogBase
{
    /// <summary>
    /// Evaluates scored data (as ML.NET): <paramref name="labelColumnName"/> is the true class (a key
    /// column), <paramref name="scoreColumnName"/> a known-size Single vector of class probabilities,
    /// <paramref name="predictedLabelColumnName"/> the predicted class (a key column). Rows with a
    /// missing label are skipped. With <paramref name="topKPredictionCount"/> &gt; 0, top-K accuracies
    /// are computed for K = 1..topKPredictionCount.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing (the message lists those that exist) or has the wrong type (named with the expected and the actual type).</exception>
    public MulticlassClassificationMetrics Evaluate(IDataView data, string labelColumnName = "Label", string scoreColumnName = "Score",
        string predictedLabelColumnName = "PredictedLabel", int topKPredictionCount = 0) =>
        MulticlassEvaluator.Evaluate(data, labelColumnName, scoreColumnName, predictedLabelColumnName, topKPredictionCount);

    /// <summary>
    /// Cross-validates (as ML.NET): splits <paramref name="data"/> into <paramref name="numberOfFolds"/>
    /// folds at random (rows with equal values of <paramref name="samplingKeyColumnName"/> stay in one
    /// fold), and for each fold fits <paramref name="estimator"/> on the other folds and evaluates it on
    /// this one with the default Score and PredictedLabel columns.
    /// </summary>
    public IReadOnlyList<CrossValidationResult<MulticlassClassificationMetrics>> CrossValidate(IDataView data, IEstimator<ITransformer> estimator,
        int numberOfFolds = 5, string labelColumnName = "Label", string? samplingKeyColumnName = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(estimator);
        if (numberOfFolds < 2) throw new ArgumentOutOfRangeException(nameof(numberOfFolds), numberOfFolds, "numberOfFolds must be at least 2");
        _ = data.Schema[labelColumnName];
        var keyColumns = samplingKeyColumnName is null ? Array.Empty<string>() : new[] { data.Schema[samplingKeyColumnName].Name };
        var splitSeed = seed ?? Context.Seed ?? Context.NextSeed();
        var results = new List<CrossValidationResult<MulticlassClassificationMetrics>>(numberOfFolds);
        for (int fold = 0; fold < numberOfFolds; fold++)
        {
            var train = FoldView(data, keyColumns, samplingKeyColumnName, splitSeed, numberOfFolds, fold, holdOut: false);
            var test = FoldView(data, keyColumns, samplingKeyColumnName, splitSeed, numberOfFolds, fold, holdOut: true);
            var model = estimator.Fit(train);
            var scored = model.Transform(test);
            var metrics = Evaluate(scored, labelColumnName);
            results.Add(new CrossValidationResult<MulticlassClassificationMetrics>(model, metrics, scored, fold));
        }
        return results;
    }

    private static IDataView FoldView(IDataView data, string[] keyColumns, string? keyColumn, int seed, int folds, int fold, bool holdOut) =>
        new RowFilterDataView(data, keyColumns, row =>
        {
            var fraction = DataOperationsCatalog.SplitFraction(row, keyColumn, seed);
            return () => Math.Min((int)(fraction() * folds), folds - 1) == fold == holdOut;
        });
}
