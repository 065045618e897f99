namespace CnnMl.ConsoleApp.Tests;

/// <summary>train --dataset folder:&lt;dir&gt;: the image transforms go into the saved model, which then predicts files directly.</summary>
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

        var file = Directory.GetFiles(images, "*.png", SearchOption.AllDirectories).First();
        var predict = Cli.Run("predict", "--model", output, "--top", "2", file);
        Assert.AreEqual(0, predict.ExitCode, predict.ToString());
        StringAssert.Contains(predict.Output, Path.GetFileName(file));
    }
}
