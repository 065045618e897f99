namespace CnnMl.ConsoleApp.Tests;

/// <summary>The ModelBuilderStyle sample runs end to end (export, train, save, reload, predict).</summary>
[TestClass]
public sealed class ModelBuilderStyleTests
{
    [TestMethod]
    public void SampleTrainsSavesReloadsAndPredicts()
    {
        var work = Cli.TempFolder("model-builder");
        var result = Cli.RunDll(Cli.RepositoryFile("samples/ModelBuilderStyle", "bin", "CnnMl.ModelBuilderStyle.dll"), TimeSpan.FromSeconds(300), work, "20");
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var stdout = result.Output;
        StringAssert.Contains(stdout, "exported 200 training images");
        StringAssert.Contains(stdout, "MicroAccuracy");
        Assert.AreEqual(4, stdout.Split('\n').Count(l => l.Contains(": predicted ", StringComparison.Ordinal)), stdout);
        Assert.IsTrue(File.Exists(Path.Combine(work, "MLModel.zip")));
    }
}
