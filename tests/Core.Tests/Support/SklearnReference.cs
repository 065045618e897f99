using System.Diagnostics;

namespace CnnMl.Core.Tests.Support;

/// <summary>Runs the scikit-learn reference scripts (tests/python, copied next to the test assembly) with Debian's interpreter.</summary>
internal static class SklearnReference
{
    /// <summary>Debian's python3-sklearn belongs to the system interpreter; another python3 on PATH does not see it; CNNML_PYTHON names another interpreter.</summary>
    public static readonly string Interpreter = Environment.GetEnvironmentVariable("CNNML_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3";

    /// <summary>Runs a script and returns its standard output; a non-zero exit fails with the script's error output.</summary>
    public static string Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "python", script));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within 120 s");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed with exit code {process.ExitCode}:\n{error.Result}");
        return output;
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cnnml-core-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
