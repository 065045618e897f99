using System.Globalization;
using System.Text;

namespace CnnMl.Data;

/// <summary>
/// Counts of actual classes (rows) versus predicted classes (columns), as ML.NET's ConfusionMatrix
/// and scikit-learn's confusion_matrix.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly double[][] counts;

    internal ConfusionMatrix(double[][] counts, IReadOnlyList<string> classNames)
    {
        this.counts = counts;
        NumberOfClasses = counts.Length;
        ClassNames = classNames;
        Counts = counts.Select(row => (IReadOnlyList<double>)Array.AsReadOnly(row)).ToArray();
        var precision = new double[NumberOfClasses];
        var recall = new double[NumberOfClasses];
        for (int c = 0; c < NumberOfClasses; c++)
        {
            double predicted = 0, actual = 0;
            for (int o = 0; o < NumberOfClasses; o++)
            {
                predicted += counts[o][c];
                actual += counts[c][o];
            }
            precision[c] = predicted > 0 ? counts[c][c] / predicted : 0;
            recall[c] = actual > 0 ? counts[c][c] / actual : 0;
        }
        PerClassPrecision = precision;
        PerClassRecall = recall;
    }

    /// <summary>For each class, the fraction of rows predicted as that class that truly are (0 when none is predicted).</summary>
    public IReadOnlyList<double> PerClassPrecision { get; }

    /// <summary>For each class, the fraction of its rows predicted as that class (0 when it has no rows).</summary>
    public IReadOnlyList<double> PerClassRecall { get; }

    /// <summary>Counts[actual][predicted]: the number of rows of class <c>actual</c> predicted as <c>predicted</c>.</summary>
    public IReadOnlyList<IReadOnlyList<double>> Counts { get; }

    /// <summary>The number of classes (the size of the score vector).</summary>
    public int NumberOfClasses { get; }

    /// <summary>The class names used in the formatted table (the label's KeyValues, or the class indices).</summary>
    internal IReadOnlyList<string> ClassNames { get; }

    /// <summary>The number of rows of class <paramref name="actualClassIndicatorIndex"/> predicted as <paramref name="predictedClassIndicatorIndex"/> (zero-based class indices).</summary>
    public double GetCountForClassPair(int predictedClassIndicatorIndex, int actualClassIndicatorIndex)
    {
        if ((uint)predictedClassIndicatorIndex >= (uint)NumberOfClasses)
            throw new ArgumentOutOfRangeException(nameof(predictedClassIndicatorIndex), predictedClassIndicatorIndex, $"class index must be in [0, {NumberOfClasses})");
        if ((uint)actualClassIndicatorIndex >= (uint)NumberOfClasses)
            throw new ArgumentOutOfRangeException(nameof(actualClassIndicatorIndex), actualClassIndicatorIndex, $"class index must be in [0, {NumberOfClasses})");
        return counts[actualClassIndicatorIndex][predictedClassIndicatorIndex];
    }

    /// <summary>The matrix as a text table: truth in rows, predictions in columns, recall per row and precision per column.</summary>
    public string GetFormattedConfusionTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var names = ClassNames.Select(n => n.Length > 24 ? n[..24] : n).ToArray();
        int cell = Math.Max(6, counts.SelectMany(r => r).Select(v => v.ToString("0", inv).Length).DefaultIfEmpty(1).Max());
        cell = Math.Max(cell, names.Select(n => n.Length).DefaultIfEmpty(1).Max());
        int head = Math.Max(9, names.Select(n => n.Length).DefaultIfEmpty(1).Max());
        var rule = new string('=', (cell + 3) * NumberOfClasses + 8);
        var text = new StringBuilder();
        text.AppendLine().AppendLine("Confusion table");
        text.Append(' ', head).Append(" ||").AppendLine(rule);
        text.Append("PREDICTED".PadRight(head)).Append(" ||");
        foreach (var n in names) text.Append(' ').Append(n.PadLeft(cell)).Append(" |");
        text.AppendLine(" Recall");
        text.Append("TRUTH".PadRight(head)).Append(" ||").AppendLine(rule);
        for (int a = 0; a < NumberOfClasses; a++)
        {
            text.Append(names[a].PadLeft(head)).Append(" ||");
            for (int p = 0; p < NumberOfClasses; p++) text.Append(' ').Append(counts[a][p].ToString("0", inv).PadLeft(cell)).Append(" |");
            text.Append(' ').AppendLine(PerClassRecall[a].ToString("0.0000", inv));
        }
        text.Append(' ', head).Append(" ||").AppendLine(rule);
        text.Append("Precision".PadRight(head)).Append(" ||");
        foreach (var p in PerClassPrecision) text.Append(' ').Append(p.ToString("0.0000", inv).PadLeft(cell)).Append(" |");
        text.AppendLine();
        return text.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => GetFormattedConfusionTable();
}
