using System.Diagnostics;
using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

/// <summary>Runs the torchvision reference scripts (tests/python, copied next to the test assembly).</summary>
internal static class PythonReference
{
    /// <summary>Debian's python3-torch belongs to the system interpreter; another python3 on PATH does not see it; CNNML_PYTHON names another interpreter.</summary>
    public static readonly string Interpreter = Environment.GetEnvironmentVariable("CNNML_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3";

    public static string NewTempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cnnml-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Runs a script and returns its standard output; a non-zero exit throws with the script's error output.</summary>
    public static string Run(string script, int timeoutSeconds, params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "python", script));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["OMP_NUM_THREADS"] = "2";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} {string.Join(' ', arguments)} did not finish within {timeoutSeconds} s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{error.Result}");
        return output;
    }

    public static void DeleteQuietly(string? directory)
    {
        try
        {
            if (directory is not null && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Tensor comparisons relative to the reference's largest magnitude.</summary>
internal static class Agreement
{
    /// <summary>Fails unless max |actual - expected| &lt;= rtol * max |expected| (and the shapes match).</summary>
    public static void Close(Tensor expected, Tensor actual, string what, double rtol = 1e-4)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape [{string.Join(", ", actual.shape)}] differs from [{string.Join(", ", expected.shape)}]");
        using var scope = NewDisposeScope();
        var e = expected.to(ScalarType.Float64);
        var a = actual.detach().to(ScalarType.Float64);
        var scale = e.abs().max().item<double>();
        var error = (a - e).abs().max().item<double>();
        Assert.IsTrue(error <= rtol * scale, $"{what}: max abs difference {error:G4} exceeds {rtol:G2} x max |expected| = {rtol * scale:G4}");
    }
}
