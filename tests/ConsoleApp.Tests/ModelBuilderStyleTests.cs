using System.Diagnostics;

namespace CnnMl.ConsoleApp.Tests;

/// <summary>The ModelBuilderStyle sample runs end to end (export, train, save, reload, predict).</summary>
[TestClass]
public sealed class ModelBuilderStyleTests
{
    [TestMethod]
    public void SampleTrainsSavesReloadsAndPredicts()
    {
        var dll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../samples/ModelBuilderStyle/bin/Release/net10.0/CnnMl.ModelBuilderStyle.dll"));
        if (!File.Exists(dll)) Assert.Inconclusive($"{dll} is not built (dotnet build CnnMl.sln -c Release)");
        var work = Cli.TempFolder("model-builder");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, work, "20" }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, stdout + stderr.Result);
        StringAssert.Contains(stdout, "exported 200 training images");
        StringAssert.Contains(stdout, "MicroAccuracy");
        Assert.AreEqual(4, stdout.Split('\n').Count(l => l.Contains(": predicted ", StringComparison.Ordinal)), stdout);
        Assert.IsTrue(File.Exists(Path.Combine(work, "MLModel.zip")));
    }
}
