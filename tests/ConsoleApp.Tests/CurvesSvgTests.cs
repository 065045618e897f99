using System.Xml.Linq;
using CnnMl.ConsoleApp.Output;
using CnnMl.Trainers;

namespace CnnMl.ConsoleApp.Tests;

/// <summary>The SVG writer on a constructed history: placement, ticks, one-epoch and no-validation cases.</summary>
[TestClass]
public sealed class CurvesSvgTests
{
    private static readonly XNamespace Ns = "http://www.w3.org/2000/svg";

    private static TrainingHistory History(int epochs, bool validation)
    {
        var history = new TrainingHistory(batchesPerEpoch: 10);
        for (int e = 1; e <= epochs; e++)
        {
            for (int b = 2; b <= 10; b += 2)
                history.Add(new TrainingMetrics(e, b, false, 0.5 + 0.04 * e, 1.5 / e, 1e-3, null, null, 1000, 0));
            history.Add(new TrainingMetrics(e, 10 * e, true, 0.5 + 0.04 * e, 1.4 / e, 1e-3, validation ? 0.55 + 0.04 * e : null, validation ? 1.3 / e : null, 1000, 0));
        }
        return history;
    }

    [TestMethod]
    public void LowerLossIsDrawnLowerAndHigherAccuracyHigher()
    {
        var svg = XDocument.Parse(TrainingCurvesSvg.Render(History(3, validation: true), "t"));
        double[] Ys(string series) => SvgPath.Points((string)svg.Descendants(Ns + "path").Single(p => (string?)p.Attribute("class") == series).Attribute("d")!)
            .Select(p => p.Y).ToArray();
        var loss = Ys("validation-loss");
        var accuracy = Ys("validation-accuracy");
        Assert.AreEqual(3, loss.Length);
        Assert.IsTrue(loss[0] < loss[1] && loss[1] < loss[2], "falling loss goes down the picture (y grows)");
        Assert.IsTrue(accuracy[0] > accuracy[1] && accuracy[1] > accuracy[2], "rising accuracy goes up the picture");
        Assert.AreEqual(3 * 5, Ys("train-loss").Length, "the epoch-end point replaces the last batch report");
        string D(string series) => (string)svg.Descendants(Ns + "path").Single(p => (string?)p.Attribute("class") == series).Attribute("d")!;
        Assert.AreEqual(3, SvgPath.Segments(D("train-accuracy")), "the running mean restarts each epoch: one subpath per epoch");
        Assert.AreEqual(1, SvgPath.Segments(D("validation-accuracy")));
    }

    [TestMethod]
    public void WithoutValidationThereIsNoValidationCurveOrLegend()
    {
        var svg = XDocument.Parse(TrainingCurvesSvg.Render(History(1, validation: false), "t"));
        Assert.IsFalse(svg.Descendants(Ns + "path").Any(p => ((string?)p.Attribute("class") ?? "").StartsWith("validation", StringComparison.Ordinal)));
        Assert.IsFalse(svg.Descendants(Ns + "text").Any(t => t.Value == "validation"));
    }

    [TestMethod]
    public void TicksAreRound()
    {
        CollectionAssert.AreEqual(new[] { 0, 0.5, 1, 1.5, 2, 2.5 }, TrainingCurvesSvg.Ticks(0, 2.4));
        CollectionAssert.AreEqual(new[] { 0, 0.2, 0.4, 0.6, 0.8, 1.0 }, TrainingCurvesSvg.Ticks(0, 1));
        CollectionAssert.AreEqual(new double[] { 60, 70, 80, 90, 100 }, TrainingCurvesSvg.Ticks(60, 100));
    }
}
