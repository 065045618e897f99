using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Transforms;

namespace CnnMl.Evaluation;

/// <summary>
/// Computes <see cref="MulticlassClassificationMetrics"/> in one pass over a scored data view. The
/// label is a key column (or a Single/Double class index), the score a known-size vector of Single
/// probabilities, the predicted label a key column.
/// </summary>
internal static class MulticlassEvaluator
{
    /// <summary>ML.NET clips the true class's probability below at this value before taking its log.</summary>
    internal const double Epsilon = 1e-15;

    private const string Who = "MulticlassClassification.Evaluate";

    public static MulticlassClassificationMetrics Evaluate(IDataView data, string labelColumnName, string scoreColumnName, string predictedLabelColumnName, int topKPredictionCount)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(labelColumnName);
        ArgumentException.ThrowIfNullOrEmpty(scoreColumnName);
        ArgumentException.ThrowIfNullOrEmpty(predictedLabelColumnName);
        ArgumentOutOfRangeException.ThrowIfNegative(topKPredictionCount);

        var schema = data.Schema;
        var score = ColumnChecks.Require(schema, scoreColumnName, Who,
            t => t is VectorDataViewType { IsKnownSize: true } v && v.ItemType.Equals(NumberDataViewType.Single),
            "a known-size vector of Single (the class probabilities)");
        int classes = ((VectorDataViewType)score.Type).Size;
        var label = ColumnChecks.Require(schema, labelColumnName, Who,
            t => t is KeyDataViewType || t.Equals(NumberDataViewType.Single) || t.Equals(NumberDataViewType.Double),
            "a key type (or a Single/Double class index)");
        var predicted = PredictedKeyColumn(schema, predictedLabelColumnName);
        CheckKeyCount(label, classes, scoreColumnName);
        CheckKeyCount(predicted, classes, scoreColumnName);
        if (topKPredictionCount > classes)
            throw new ArgumentOutOfRangeException(nameof(topKPredictionCount), topKPredictionCount, $"{Who}: topKPredictionCount must not exceed the {classes} classes of '{scoreColumnName}'");

        var aggregator = new Aggregator(classes, topKPredictionCount);
        using (var cursor = data.GetRowCursor(new[] { label, score, predicted }))
        {
            var readLabel = ClassReader(cursor, label, classes, isKey: label.Type is KeyDataViewType);
            var readPredicted = ClassReader(cursor, predicted, classes, isKey: true);
            var readScore = cursor.GetGetter<VBuffer<float>>(score);
            VBuffer<float> scores = default;
            while (cursor.MoveNext())
            {
                int actual = readLabel();
                if (actual < 0) continue;
                readScore(ref scores);
                if (scores.Length != classes)
                    throw new InvalidDataException($"{Who}: row {cursor.Position} has {scores.Length} scores in '{scoreColumnName}', its type declares {classes}");
                aggregator.Add(actual, readPredicted(), scores.GetValues());
            }
        }
        if (aggregator.Rows == 0)
            throw new InvalidOperationException($"{Who}: no row has a label in '{labelColumnName}'; there is nothing to evaluate");
        return aggregator.ToMetrics(ClassNames(label, classes));
    }

    /// <summary>
    /// The predicted-label key column. After MapKeyToValue("PredictedLabel") the visible column holds
    /// the label values and the key column is hidden under the same name; ML.NET evaluates such
    /// pipelines, so the hidden key column is used then.
    /// </summary>
    private static DataViewSchema.Column PredictedKeyColumn(DataViewSchema schema, string name)
    {
        var visible = ColumnChecks.Find(schema, name, Who);
        if (visible.Type is KeyDataViewType) return visible;
        for (int i = visible.Index - 1; i >= 0; i--)
            if (schema[i].Name == name && schema[i].Type is KeyDataViewType) return schema[i];
        return ColumnChecks.Require(schema, name, Who, t => t is KeyDataViewType, "a key type");
    }

    private static void CheckKeyCount(DataViewSchema.Column column, int classes, string scoreColumnName)
    {
        if (column.Type is KeyDataViewType key && key.Count != (ulong)classes)
            throw new ArgumentOutOfRangeException(nameof(column), $"{Who}: key column '{column.Name}' has {key.Count} values but score column '{scoreColumnName}' has {classes} classes");
    }

    /// <summary>Reads the zero-based class of the current row, or -1 when missing (key 0, NaN).</summary>
    private static Func<int> ClassReader(DataViewRow row, DataViewSchema.Column column, int classes, bool isKey)
    {
        var read = RowNumbers.Reader(row, column);
        return () =>
        {
            var v = read();
            if (double.IsNaN(v)) return -1;
            var index = isKey ? v - 1 : v;
            if (isKey && v == 0) return -1;
            if (index < 0 || index >= classes || index != Math.Floor(index))
                throw new InvalidDataException($"{Who}: row {row.Position} has value {v} in '{column.Name}', not a class of the {classes} scored ones");
            return (int)index;
        };
    }

    /// <summary>The label's KeyValues when it has one per class, else the class indices.</summary>
    private static string[] ClassNames(DataViewSchema.Column label, int classes)
    {
        var annotations = label.Annotations;
        if (annotations.Schema.GetColumnOrNull(AnnotationKinds.KeyValues) is { Type: VectorDataViewType { ItemType: TextDataViewType } })
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            annotations.GetValue(AnnotationKinds.KeyValues, ref names);
            if (names.Length == classes) return names.DenseValues().Select(n => n.ToString()).ToArray();
        }
        return Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Running sums of one evaluation.</summary>
    private sealed class Aggregator(int classes, int topK)
    {
        private readonly double[][] confusion = Enumerable.Range(0, classes).Select(_ => new double[classes]).ToArray();
        private readonly double[] classLogLoss = new double[classes];
        private readonly long[] classRows = new long[classes];
        private readonly long[] rankHits = new long[Math.Max(topK, 1)];
        private double logLoss;
        private long correct;

        public long Rows { get; private set; }

        public void Add(int actual, int predicted, ReadOnlySpan<float> scores)
        {
            Rows++;
            classRows[actual]++;
            if (predicted >= 0) confusion[actual][predicted]++;
            if (predicted == actual) correct++;
            var p = (double)scores[actual];
            var loss = -Math.Log(Math.Max(p, Epsilon));
            logLoss += loss;
            classLogLoss[actual] += loss;
            if (topK == 0) return;
            // Rank of the true class: classes scored higher, and equal-scored classes of lower index, come first.
            int rank = 0;
            var own = scores[actual];
            for (int c = 0; c < scores.Length && rank < topK; c++)
                if (scores[c] > own || (scores[c] == own && c < actual)) rank++;
            if (rank < topK) rankHits[rank]++;
        }

        public MulticlassClassificationMetrics ToMetrics(IReadOnlyList<string> classNames)
        {
            double n = Rows;
            double macroSum = 0, priorLogLoss = 0;
            int present = 0;
            var perClass = new double[classes];
            for (int c = 0; c < classes; c++)
            {
                if (classRows[c] == 0)
                {
                    perClass[c] = double.NaN;
                    continue;
                }
                present++;
                macroSum += confusion[c][c] / classRows[c];
                perClass[c] = classLogLoss[c] / classRows[c];
                var prior = classRows[c] / n;
                priorLogLoss -= prior * Math.Log(prior);
            }
            var meanLogLoss = logLoss / n;
            double[]? topKAll = null;
            if (topK > 0)
            {
                topKAll = new double[topK];
                long hits = 0;
                for (int k = 0; k < topK; k++)
                {
                    hits += rankHits[k];
                    topKAll[k] = hits / n;
                }
            }
            return new MulticlassClassificationMetrics(
                microAccuracy: correct / n,
                macroAccuracy: macroSum / present,
                logLoss: meanLogLoss,
                logLossReduction: (priorLogLoss - meanLogLoss) / priorLogLoss,
                topKPredictionCount: topK,
                topKAccuracyForAllK: topKAll,
                perClassLogLoss: perClass,
                confusionMatrix: new ConfusionMatrix(confusion, classNames));
        }
    }
}
