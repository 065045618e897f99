using System.Diagnostics;

namespace CnnMl.ConsoleApp.Tests;

/// <summary>Errors are one line on stderr with a non-zero exit code; --verbose adds the stack trace.</summary>
[TestClass]
public sealed class ErrorTests
{
    private static void AssertOneLine(CliResult result, int exitCode, string expected)
    {
        Assert.AreEqual(exitCode, result.ExitCode, result.ToString());
        var lines = result.Error.Trim().Split('\n');
        Assert.AreEqual(1, lines.Length, result.Error);
        StringAssert.StartsWith(lines[0], "error: ");
        StringAssert.Contains(lines[0], expected);
        Assert.IsFalse(result.Error.Contains("   at ", StringComparison.Ordinal), "no stack trace without --verbose");
    }

    [TestMethod]
    public void MissingModelFile() =>
        AssertOneLine(Cli.Run("evaluate", "--model", "/nonexistent/model.zip"), 1, "model file '/nonexistent/model.zip' does not exist");

    [TestMethod]
    public void CorruptModelFile()
    {
        var path = Path.Combine(Cli.TempFolder("corrupt"), "bad.zip");
        File.WriteAllText(path, "not a zip");
        Assert.AreEqual(1, Cli.Run("evaluate", "--model", path).ExitCode);
        AssertOneLine(Cli.Run("evaluate", "--model", path), 1, "bad.zip");
    }

    [TestMethod]
    public void MissingDatasetFolder() =>
        AssertOneLine(Cli.Run("train", "--dataset", "mnist:/nonexistent/mnist", "--limit", "10"), 1, "/nonexistent/mnist");

    [TestMethod]
    public void UnknownOption() => AssertOneLine(Cli.Run("train", "--bogus", "3"), 2, "--bogus");

    [TestMethod]
    public void BadOptionValues()
    {
        AssertOneLine(Cli.Run("train", "--epochs", "0"), 2, "--epochs must be at least 1");
        AssertOneLine(Cli.Run("train", "--epochs", "many"), 2, "many");
        AssertOneLine(Cli.Run("train", "--precision", "fp64"), 2, "'fp64' not recognized. Must be one of: 'fp32' 'bf16' 'fp16'");
        AssertOneLine(Cli.Run("train", "--lr", "-1"), 2, "--lr must be a positive number");
        AssertOneLine(Cli.Run("train", "--dataset", "imagenet"), 2, "unknown --dataset 'imagenet'");
        AssertOneLine(Cli.Run("evaluate", "--model", "m.zip", "--dataset", "mnist"), 2, "--dataset mnist needs a folder");
        AssertOneLine(Cli.Run("train", "--model", "resnet19"), 2, "unknown model 'resnet19'");
        AssertOneLine(Cli.Run("train", "--optimizer", "lion"), 2, "'lion' for option '--optimizer'");
        AssertOneLine(Cli.Run("train", "--limit", "0"), 2, "--limit must be at least 1");
    }

    [TestMethod]
    public void UnknownModelListsTheZoo() => AssertOneLine(Cli.Run("summary", "resnet19"), 2, "registered models: lenet5");

    [TestMethod]
    public void MissingRequiredOptionAndArgument()
    {
        AssertOneLine(Cli.Run("evaluate"), 2, "--model");
        AssertOneLine(Cli.Run("predict", "--model", "m.zip"), 2, "Required argument missing for command: 'predict'");
    }

    [TestMethod]
    public void VerboseShowsTheStackTrace()
    {
        var result = Cli.Run("evaluate", "--model", "/nonexistent/model.zip", "--verbose");
        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Error, "FileNotFoundException");
        StringAssert.Contains(result.Error, "   at ");
    }

    [TestMethod]
    public void TheExecutableExitsNonZeroWithOneLine()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "cnnml.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "predict", "--model", "/nonexistent/m.zip", "x.png" }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(1, process.ExitCode, stderr + stdout.Result);
        Assert.AreEqual("error: image file 'x.png' does not exist", stderr.Trim());
    }

    [TestMethod]
    public void NoArgumentsRunsTheDefaultCommand()
    {
        CollectionAssert.AreEqual(new[] { "train" }, CliApp.DefaultArguments, "./run.sh's main job is cnnml train with its defaults");
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run([], output, error, interactive: false, ["summary", "lenet5"]);
        Assert.AreEqual(0, code, error.ToString());
        StringAssert.Contains(output.ToString(), "no command given; running 'summary lenet5'");
        StringAssert.Contains(output.ToString(), "61,706", "the default command ran");
    }
}
