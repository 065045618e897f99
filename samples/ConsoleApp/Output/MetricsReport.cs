using System.Globalization;

namespace CnnMl.ConsoleApp.Output;

/// <summary>Prints multiclass metrics as ML.NET samples do, then the confusion table with class names.</summary>
internal static class MetricsReport
{
    public static void Print(Terminal terminal, string heading, MulticlassClassificationMetrics metrics, long rows)
    {
        var inv = CultureInfo.InvariantCulture;
        terminal.Line();
        terminal.Heading(heading);
        terminal.Table(["metric", "value"],
        [
            ["rows", rows.ToString("N0", inv)],
            ["MicroAccuracy", metrics.MicroAccuracy.ToString("P2", inv)],
            ["MacroAccuracy", metrics.MacroAccuracy.ToString("P2", inv)],
            ["LogLoss", metrics.LogLoss.ToString("F4", inv)],
            ["LogLossReduction", metrics.LogLossReduction.ToString("F4", inv)],
        ], new HashSet<int> { 1 });
        terminal.Raw(metrics.ConfusionMatrix.GetFormattedConfusionTable().TrimEnd());
    }
}
