using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.OnnxDeployment.Tests;

/// <summary>
/// A CnnMl pipeline's ONNX deployment (written by tests/OnnxDeploymentWriter in another process) loads
/// and scores here, where only ML.NET, its image and ONNX packages and ONNX Runtime are referenced.
/// </summary>
[TestClass]
public sealed class OnnxDeploymentTests
{
    private static string directory = "";

    [ClassInitialize]
    public static void WriteDeployment(TestContext context)
    {
        directory = Path.Combine(Path.GetTempPath(), $"cnnml-onnx-deployment-{Guid.NewGuid():N}");
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var configuration = bin.Parent!.Name;
        var writer = Path.GetFullPath(Path.Combine(bin.FullName, "..", "..", "..", "..", "OnnxDeploymentWriter", "bin", configuration, bin.Name, "CnnMl.OnnxDeploymentWriter.dll"));
        Assert.IsTrue(File.Exists(writer), $"{writer} is not built");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(writer);
        start.ArgumentList.Add(directory);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(300_000), "the deployment writer did not finish in 5 minutes");
        Assert.AreEqual(0, process.ExitCode, $"the deployment writer failed:\n{output}\n{error.Result}");
        context.WriteLine(output);
    }

    [ClassCleanup]
    public static void DeleteDeployment()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void TheDeploymentPredictsTheLibtorchPipelinesLabels()
    {
        var ml = new MLContext();
        var model = ml.Model.Load(Path.Combine(directory, "deployment.zip"), out var inputSchema);
        var test = ml.Data.LoadFromBinary(Path.Combine(directory, "test.idv"));
        var scored = model.Transform(test);

        var predicted = scored.GetColumn<VBuffer<uint>>("PredictedLabel").Select(v => v.GetValues()[0]).ToArray();
        var expected = scored.GetColumn<uint>("LibtorchPredictedLabel").ToArray();
        Assert.AreEqual(100, expected.Length);
        CollectionAssert.AreEqual(expected, predicted, "ONNX Runtime's predicted labels against libtorch's");

        var names = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["PredictedLabel"].GetKeyValues(ref names);
        CollectionAssert.AreEqual(
            new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" },
            names.DenseValues().Select(n => n.ToString()).ToArray());
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.IsTrue(metrics.MicroAccuracy > 0.5, $"accuracy {metrics.MicroAccuracy:P0}");
        Assert.AreEqual(10, ((VectorDataViewType)scored.Schema["Score"].Type).Size);
    }

    [TestMethod]
    public void NoCnnMlAssemblyIsLoadedOrDeployedHere()
    {
        var ml = new MLContext();
        ml.Model.Load(Path.Combine(directory, "deployment.zip"), out _);
        var loaded = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "").Where(n => n.StartsWith("CnnMl", StringComparison.Ordinal) && n != "CnnMl.OnnxDeployment.Tests");
        CollectionAssert.AreEqual(Array.Empty<string>(), loaded.ToArray());
        var deployed = Directory.GetFiles(AppContext.BaseDirectory).Select(Path.GetFileName).Where(f => f!.StartsWith("CnnMl.", StringComparison.Ordinal) && !f.StartsWith("CnnMl.OnnxDeployment.Tests", StringComparison.Ordinal) || f!.Contains("torch", StringComparison.OrdinalIgnoreCase));
        CollectionAssert.AreEqual(Array.Empty<string>(), deployed.ToArray());
    }
}
