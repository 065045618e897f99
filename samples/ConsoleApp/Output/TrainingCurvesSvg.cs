using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace CnnMl.ConsoleApp.Output;

/// <summary>
/// Draws a <see cref="TrainingHistory"/> as an SVG picture: two panels side by side, loss
/// (cross-entropy) and accuracy against epochs, each with the training curve (running mean,
/// per reported batch) and the validation curve (per epoch), gridlines, tick labels, axis titles
/// and a legend. Series carry classes (<c>train-loss</c>, <c>validation-accuracy</c>, ...) so
/// tools and tests can find them.
/// </summary>
internal static class TrainingCurvesSvg
{
    private const double Width = 980, Height = 430;
    private const double PanelWidth = 470, PlotLeft = 70, PlotRight = 18, PlotTop = 78, PlotBottom = 62;
    private const string TrainColor = "#1f77b4", ValidationColor = "#e6550d";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes the picture to <paramref name="path"/> (folders are created).</summary>
    public static void Write(TrainingHistory history, string title, string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder) Directory.CreateDirectory(folder);
        File.WriteAllText(path, Render(history, title), new UTF8Encoding(false));
    }

    /// <summary>The SVG document as text.</summary>
    public static string Render(TrainingHistory history, string title)
    {
        var epochs = Math.Max(1, history.Epochs.Count == 0 ? history.Train.Select(p => p.Epoch).DefaultIfEmpty(1).Max() : history.Epochs.Count);
        var maxLoss = history.Train.Concat(history.Validation).Select(p => p.Loss).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        var minAccuracy = history.Train.Concat(history.Validation).Select(p => p.Accuracy * 100).DefaultIfEmpty(0).Min();
        var lossTicks = Ticks(0, maxLoss * 1.05);
        var accuracyLow = Math.Max(0, Math.Floor((minAccuracy - 2) / 10) * 10);
        var accuracyTicks = Ticks(accuracyLow, 100);

        var root = new XElement(Svg + "svg",
            new XAttribute("width", Width), new XAttribute("height", Height),
            new XAttribute("viewBox", $"0 0 {Width} {Height}"),
            new XAttribute("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif"),
            new XElement(Svg + "title", title),
            new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "white")),
            Text(24, 32, title, 18, "start", "bold"),
            Legend(Width - 340, 26, history.Validation.Count > 0));

        root.Add(Panel(0, "Loss", "cross-entropy", history, p => p.Loss, lossTicks, epochs, "loss", v => Format(v, lossTicks)));
        root.Add(Panel(PanelWidth + 20, "Accuracy", "accuracy (%)", history, p => p.Accuracy * 100, accuracyTicks, epochs, "accuracy", v => Format(v, accuracyTicks)));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root).Declaration + "\n" + root.ToString();
    }

    private static XElement Panel(double x0, string heading, string yTitle, TrainingHistory history, Func<CurvePoint, double> value,
        double[] yTicks, double epochs, string metric, Func<double, string> formatY)
    {
        double left = x0 + PlotLeft, right = x0 + PanelWidth - PlotRight, top = PlotTop, bottom = Height - PlotBottom;
        double yMin = yTicks[0], yMax = yTicks[^1];
        var xTicks = Ticks(0, epochs);
        double X(double epoch) => left + (right - left) * epoch / xTicks[^1];
        double Y(double v) => bottom - (bottom - top) * (Math.Clamp(v, yMin, yMax) - yMin) / (yMax - yMin);

        var panel = new XElement(Svg + "g", new XAttribute("class", $"panel {metric}"));
        panel.Add(Text((left + right) / 2, top - 14, heading, 15, "middle", "bold"));
        foreach (var t in yTicks)
        {
            panel.Add(Line(left, Y(t), right, Y(t), "#e3e3e3", 1));
            panel.Add(Text(left - 8, Y(t) + 4, formatY(t), 12, "end"));
        }
        foreach (var t in xTicks)
        {
            panel.Add(Line(X(t), top, X(t), bottom, "#efefef", 1));
            panel.Add(Line(X(t), bottom, X(t), bottom + 5, "#333", 1));
            panel.Add(Text(X(t), bottom + 20, Format(t, xTicks), 12, "middle"));
        }
        panel.Add(new XElement(Svg + "rect", new XAttribute("x", N(left)), new XAttribute("y", N(top)), new XAttribute("width", N(right - left)),
            new XAttribute("height", N(bottom - top)), new XAttribute("fill", "none"), new XAttribute("stroke", "#333")));
        panel.Add(Text((left + right) / 2, bottom + 44, "epoch", 13, "middle", cssClass: "axis-label x"));
        var yLabel = Text(0, 0, yTitle, 13, "middle", cssClass: "axis-label y");
        yLabel.SetAttributeValue("transform", $"translate({N(x0 + 20)},{N((top + bottom) / 2)}) rotate(-90)");
        panel.Add(yLabel);

        panel.Add(Series($"train-{metric}", TrainColor, history.Train.Select(p => (X(p.Epoch), Y(value(p)), (int)Math.Ceiling(p.Epoch - 1e-9))).ToList(),
            history.Train.Where(p => Math.Abs(p.Epoch - Math.Round(p.Epoch)) < 1e-9 && p.Epoch > 0).Select(p => (X(p.Epoch), Y(value(p)))).ToList()));
        if (history.Validation.Count > 0)
        {
            var points = history.Validation.Select(p => (X(p.Epoch), Y(value(p)))).ToList();
            panel.Add(Series($"validation-{metric}", ValidationColor, points.Select(p => (p.Item1, p.Item2, 0)).ToList(), points, dashed: true));
        }
        return panel;
    }

    private static XElement Series(string name, string color, List<(double X, double Y, int Segment)> line, List<(double X, double Y)> markers, bool dashed = false)
    {
        var group = new XElement(Svg + "g", new XAttribute("class", $"series {name}"));
        // One path, one subpath per segment: the running training mean restarts every epoch, so its
        // epochs are not joined; the validation points form a single segment.
        var d = new StringBuilder();
        for (int i = 0; i < line.Count; i++)
            d.Append(i == 0 || line[i].Segment != line[i - 1].Segment ? (i == 0 ? "M" : " M") : " L").Append(N(line[i].X)).Append(',').Append(N(line[i].Y));
        var path = new XElement(Svg + "path", new XAttribute("class", name), new XAttribute("d", d.ToString()),
            new XAttribute("fill", "none"), new XAttribute("stroke", color), new XAttribute("stroke-width", 2.2),
            new XAttribute("stroke-linejoin", "round"), new XAttribute("stroke-linecap", "round"));
        if (dashed) path.SetAttributeValue("stroke-dasharray", "7 4");
        group.Add(path);
        foreach (var (x, y) in markers)
            group.Add(new XElement(Svg + "circle", new XAttribute("cx", N(x)), new XAttribute("cy", N(y)), new XAttribute("r", 4.5),
                new XAttribute("fill", "white"), new XAttribute("stroke", color), new XAttribute("stroke-width", 2.2)));
        return group;
    }

    private static XElement Legend(double x, double y, bool validation)
    {
        var legend = new XElement(Svg + "g", new XAttribute("class", "legend"));
        void Entry(double dx, string color, string label, bool dashed)
        {
            var line = Line(x + dx, y, x + dx + 28, y, color, 2.2);
            if (dashed) line.SetAttributeValue("stroke-dasharray", "7 4");
            legend.Add(line);
            legend.Add(new XElement(Svg + "circle", new XAttribute("cx", N(x + dx + 14)), new XAttribute("cy", N(y)), new XAttribute("r", 4.5),
                new XAttribute("fill", "white"), new XAttribute("stroke", color), new XAttribute("stroke-width", 2.2)));
            legend.Add(Text(x + dx + 36, y + 4, label, 13, "start"));
        }
        Entry(0, TrainColor, "train (running mean)", false);
        if (validation) Entry(190, ValidationColor, "validation", true);
        return legend;
    }

    private static XElement Line(double x1, double y1, double x2, double y2, string color, double width) =>
        new(Svg + "line", new XAttribute("x1", N(x1)), new XAttribute("y1", N(y1)), new XAttribute("x2", N(x2)), new XAttribute("y2", N(y2)),
            new XAttribute("stroke", color), new XAttribute("stroke-width", width));

    private static XElement Text(double x, double y, string text, double size, string anchor, string weight = "normal", string? cssClass = null)
    {
        var element = new XElement(Svg + "text", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("font-size", size),
            new XAttribute("text-anchor", anchor), new XAttribute("fill", "#222"), text);
        if (weight != "normal") element.SetAttributeValue("font-weight", weight);
        if (cssClass is not null) element.SetAttributeValue("class", cssClass);
        return element;
    }

    /// <summary>Round tick values covering [low, high] with a 1-2-2.5-5 step (about five intervals).</summary>
    internal static double[] Ticks(double low, double high)
    {
        if (!(high > low)) high = low + 1;
        var raw = (high - low) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(f => f * magnitude).First(s => s >= raw);
        var start = Math.Floor(low / step + 1e-9) * step;
        var ticks = new List<double>();
        for (var t = start; t < high + step - 1e-9; t += step) ticks.Add(Math.Round(t, 10));
        return ticks.ToArray();
    }

    private static string Format(double value, double[] ticks)
    {
        var step = ticks.Length > 1 ? ticks[1] - ticks[0] : 1;
        var decimals = Math.Max(0, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        if (step * Math.Pow(10, decimals) % 1 > 1e-6) decimals++;
        return value.ToString("F" + decimals, Inv);
    }

    private static string N(double v) => Math.Round(v, 2).ToString(Inv);
}
