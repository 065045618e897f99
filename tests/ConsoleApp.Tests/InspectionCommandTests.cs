namespace CnnMl.ConsoleApp.Tests;

/// <summary>summary, models and binding-demo.</summary>
[TestClass]
public sealed class InspectionCommandTests
{
    [TestMethod]
    public void SummaryPrintsThePerLayerTable()
    {
        var result = Cli.Run("summary", "lenet5");
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "Conv2d");
        StringAssert.Contains(result.Output, "61,706");

        var resnet = Cli.Run("summary", "resnet18", "--input", "3x64x64");
        Assert.AreEqual(0, resnet.ExitCode, resnet.ToString());
        StringAssert.Contains(resnet.Output, "layer4.1.conv2");
        StringAssert.Contains(resnet.Output, "input 3x64x64");
    }

    [TestMethod]
    public void SummaryRejectsABadShapeAndATooSmallInput()
    {
        var bad = Cli.Run("summary", "resnet18", "--input", "three");
        Assert.AreEqual(2, bad.ExitCode);
        StringAssert.Contains(bad.Error, "CxHxW");
        var exact = Cli.Run("summary", "lenet5", "--input", "1x32x32");
        Assert.AreEqual(2, exact.ExitCode);
        StringAssert.Contains(exact.Error, "exactly 28x28");
    }

    [TestMethod]
    public void ModelsListsParametersGflopsAndMinimumInput()
    {
        var result = Cli.Run("models", "--family", "LeNet");
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        foreach (var name in new[] { "lenet5", "lenet5_relu", "lenet5_32", "lenet_20_50", "lenet5_c5" }) StringAssert.Contains(result.Output, name);
        StringAssert.Contains(result.Output, "61,706");
        StringAssert.Contains(result.Output, "28x28 (exact)");
        StringAssert.Contains(result.Output, "GFLOPS");

        var markdown = Cli.Run("models", "--family", "resnet", "--markdown");
        Assert.AreEqual(0, markdown.ExitCode, markdown.ToString());
        var lines = markdown.Output.Trim().Split('\n');
        StringAssert.StartsWith(lines[0], "| model | family | parameters | GFLOPS |");
        StringAssert.Contains(markdown.Output, "| resnet18 | ResNet | 11,689,512 | 1.81 |");
    }

    [TestMethod]
    public void ReadmeArchitectureTableIsWhatModelsMarkdownPrints()
    {
        var result = Cli.Run("models", "--markdown");
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var generated = result.Output.Replace("\r\n", "\n").Trim();

        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).Replace("\r\n", "\n");
        var start = readme.IndexOf("| model | family | parameters | GFLOPS |", StringComparison.Ordinal);
        Assert.IsTrue(start >= 0, "README.md has no architecture table");
        var end = readme.IndexOf("\n\n", start, StringComparison.Ordinal);
        var inReadme = (end < 0 ? readme[start..] : readme[start..end]).Trim();
        Assert.AreEqual(generated, inReadme, "README.md's architecture table is stale: paste the output of `./run.sh models --markdown`");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CnnMl.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no CnnMl.sln above {AppContext.BaseDirectory}");
    }

    [TestMethod]
    public void ModelsRejectsAnUnknownFamily()
    {
        var result = Cli.Run("models", "--family", "Transformer");
        Assert.AreEqual(2, result.ExitCode);
        StringAssert.Contains(result.Error, "families: LeNet");
    }

    [TestMethod]
    public void BindingDemoStillTrainsSmallCnnWithTheRawBinding()
    {
        var result = Cli.Run("binding-demo", "--limit", "1000", "--threads", "1");
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "SmallCnn");
        StringAssert.Contains(result.Output, "test accuracy");
    }
}
