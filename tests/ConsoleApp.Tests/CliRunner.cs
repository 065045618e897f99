using System.Diagnostics;
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

    private static DirectoryInfo TestBin => new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>
    /// A file of another project of the repository, e.g. ("samples/ModelBuilderStyle", "bin", "CnnMl.ModelBuilderStyle.dll"):
    /// "bin" is followed by this test assembly's own configuration and target framework. A missing file
    /// fails the test: the project references the programs it runs, so the build makes them.
    /// </summary>
    public static string RepositoryFile(string project, params string[] parts)
    {
        var root = TestBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var inner = parts.Length > 0 && parts[0] == "bin" ? [ "bin", TestBin.Parent.Name, TestBin.Name, .. parts[1..] ] : parts;
        var path = Path.GetFullPath(Path.Combine([root, project, .. inner]));
        Assert.IsTrue(File.Exists(path), $"{path} does not exist (is {project} built?)");
        return path;
    }

    /// <summary>Runs a .NET program (its dll) in a child process with a time limit; stdout and stderr captured.</summary>
    public static CliResult RunDll(string dll, TimeSpan limit, params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(dll)} {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s");
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
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
