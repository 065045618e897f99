using System.Diagnostics;
using System.Globalization;
using CnnMl.Core.Tests.Support;

namespace CnnMl.Core.Tests.Model;

/// <summary>What a separate process runs (through F# Interactive) to load a model file and predict.</summary>
public static class FreshProcessEntry
{
    /// <summary>Loads <paramref name="modelPath"/> and writes one line per row of the standard test data: the predicted label, then the scores (round-trip format).</summary>
    public static void PredictToFile(string modelPath, string outputPath)
    {
        TestPipeline.EnsureRegistered();
        var context = new MLContext();
        var model = context.Model.Load(modelPath, out _);
        var data = context.Data.LoadFromEnumerable(TestPipeline.Clusters(120, seed: 8));
        File.WriteAllLines(outputPath, ModelFileTests.Scores(model, data).Select(Format));
    }

    internal static string Format(ScoreRow row) =>
        string.Join(" ", new[] { row.PredictedLabel.ToString(CultureInfo.InvariantCulture) }.Concat(row.Score.Select(s => s.ToString("R", CultureInfo.InvariantCulture))));
}

[TestClass]
public sealed class FreshProcessTests
{
    [ClassInitialize]
    public static void Register(TestContext _) => TestPipeline.EnsureRegistered();

    [TestMethod]
    public void SavedModel_GivesIdenticalPredictionsInAFreshProcess()
    {
        var (model, data) = ModelFileTests.Fitted();
        using var folder = new TempFolder();
        var modelPath = folder.File("model.zip");
        var outputPath = folder.File("predictions.txt");
        new MLContext().Model.Save(model, data.Schema, modelPath);
        var expected = ModelFileTests.Scores(model, data).Select(FreshProcessEntry.Format).ToArray();

        var bin = AppContext.BaseDirectory;
        var script = folder.File("predict.fsx");
        File.WriteAllText(script, string.Join("\n",
            $"#I @\"{bin}\"",
            $"#r @\"{Path.Combine(bin, "CnnMl.Core.dll")}\"",
            $"#r @\"{Path.Combine(bin, "CnnMl.Core.Tests.dll")}\"",
            $"CnnMl.Core.Tests.Model.FreshProcessEntry.PredictToFile(@\"{modelPath}\", @\"{outputPath}\")",
            ""));
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("fsi");
        start.ArgumentList.Add("--quiet");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(180_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("dotnet fsi did not finish within 180 s");
        }
        Assert.AreEqual(0, process.ExitCode, $"dotnet fsi failed:\n{output}\n{error.Result}");
        Assert.AreNotEqual(Environment.ProcessId, process.Id);
        CollectionAssert.AreEqual(expected, File.ReadAllLines(outputPath), "the fresh process predicts bit-identical scores and labels");
    }
}
