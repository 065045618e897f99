namespace CnnMl.ConsoleApp.Tests;

/// <summary>
/// train --dataset folder:&lt;dir&gt;: the image transforms go into the saved model, which then predicts files directly;
/// evaluate and predict also score in bfloat16 (--precision bf16), through libtorch.
/// </summary>
[TestClass]
public sealed class FolderTrainingTests
{
    [TestMethod]
    public void TrainsOnAnImageFolderAndPredictsItsFiles()
    {
        var images = Cli.ExportImages(200);
        var output = Path.Combine(Cli.TempFolder("folder"), "folder.zip");
        var train = Cli.Run("train", "--dataset", $"folder:{images}", "--model", "lenet_20_50", "--epochs", "1", "--batch-size", "16",
            "--validation-fraction", "0", "--output", output);
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        StringAssert.Contains(train.Output, "resized to 1x28x28");
        StringAssert.Contains(train.Output, "MicroAccuracy");

        var evaluate = Cli.Run("evaluate", "--model", output, "--dataset", $"folder:{images}", "--limit", "50");
        Assert.AreEqual(0, evaluate.ExitCode, evaluate.ToString());
        StringAssert.Contains(evaluate.Output, "scored by ONNX Runtime");
        var bf16 = Cli.Run("evaluate", "--model", output, "--dataset", $"folder:{images}", "--limit", "50", "--precision", "bf16");
        Assert.AreEqual(0, bf16.ExitCode, bf16.ToString());
        StringAssert.Contains(bf16.Output, "scored by libtorch (InferenceOptions.Precision = BFloat16");

        var file = Directory.GetFiles(images, "*.png", SearchOption.AllDirectories).First();
        var predict = Cli.Run("predict", "--model", output, "--top", "2", file);
        Assert.AreEqual(0, predict.ExitCode, predict.ToString());
        StringAssert.Contains(predict.Output, Path.GetFileName(file));
        var predictBf16 = Cli.Run("predict", "--model", output, "--top", "2", "--precision", "bf16", file);
        Assert.AreEqual(0, predictBf16.ExitCode, predictBf16.ToString());
        StringAssert.Contains(predictBf16.Output, Path.GetFileName(file));
    }
}
