using Microsoft.ML;
using CnnMl.Datasets;

namespace CnnMl.ConsoleApp.Tests;

/// <summary>The result of one in-process command line: exit code, stdout and stderr.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>Runs cnnml in process, with plain (non-interactive) output captured.</summary>
internal static class Cli
{
    public static CliResult Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(args, output, error, interactive: false);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>A fresh temporary folder.</summary>
    public static string TempFolder(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), "cnnml-cli-tests", $"{name}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Exports the first <paramref name="rows"/> Fashion-MNIST test images as PNGs in class folders.</summary>
    public static string ExportImages(int rows)
    {
        var folder = TempFolder("images");
        var ml = new MLContext(seed: 1);
        ml.Data.ExportToImageFolder(FashionMnist.Load(ml, train: false, options: new DatasetLoadOptions { MaxRows = rows }), folder);
        return folder;
    }
}
