using System.Diagnostics;
using System.Globalization;
using static CnnMl.Torch.torch;

namespace CnnMl.Torch.Tests;

/// <summary>Runs the PyTorch reference scripts (tests/python, copied next to the test assembly).</summary>
internal static class PythonReference
{
    /// <summary>Debian's python3-torch belongs to the system interpreter; another python3 on PATH does not see it; CNNML_PYTHON names another interpreter.</summary>
    public static readonly string Interpreter = Environment.GetEnvironmentVariable("CNNML_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3";

    public static string ScriptPath(string script) => Path.Combine(AppContext.BaseDirectory, "python", script);

    public static string NewTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "cnnml-torch-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Runs a script and returns its standard output; a non-zero exit fails the test with the script's error output.</summary>
    public static string Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ScriptPath(script));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} {string.Join(' ', arguments)} did not finish within 120 s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{error.Result}");
        return output;
    }

    /// <summary>Runs <c>reference.py command dir</c> and loads the safetensors file it writes.</summary>
    public static Dictionary<string, Tensor> Generate(string command, string directory, out IReadOnlyDictionary<string, string> metadata)
    {
        Run("reference.py", command, directory);
        return Safetensors.Load(Path.Combine(directory, command + ".safetensors"), null, out metadata);
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

/// <summary>Element-wise comparison of tensors with a readable failure message.</summary>
internal static class TensorAssert
{
    /// <summary>Relative tolerance of the agreement tests.</summary>
    public const double RelativeTolerance = 1e-5;

    /// <summary>
    /// Absolute tolerance of the agreement tests: a few float32 ulps at 1, so that elements near zero
    /// (small gradient entries, results of cancellation) are checked too, not only the large ones.
    /// </summary>
    public const double AbsoluteTolerance = 1e-6;

    /// <summary>
    /// Floating tensors agree when every element satisfies |actual_i - expected_i| &lt;= atol + rtol * |expected_i|,
    /// as <c>torch.allclose</c>; NaN never agrees. Integer and bool tensors must be equal.
    /// </summary>
    public static void Close(Tensor expected, Tensor actual, string what, double rtol = RelativeTolerance, double atol = AbsoluteTolerance)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape [{string.Join(", ", actual.shape)}] differs from [{string.Join(", ", expected.shape)}]");
        Assert.AreEqual(expected.dtype, actual.dtype, $"{what}: dtype");
        using var scope = NewDisposeScope();
        if (!is_floating_point(expected.dtype))
        {
            var e = expected.to(ScalarType.Int64).ToArray<long>();
            var a = actual.to(ScalarType.Int64).ToArray<long>();
            for (int i = 0; i < e.Length; i++)
                if (e[i] != a[i]) Assert.Fail($"{what}: element {i} is {a[i]}, expected {e[i]}");
            return;
        }
        var ex = expected.to(ScalarType.Float64).ToArray<double>();
        var ac = actual.to(ScalarType.Float64).ToArray<double>();
        Close(ex, ac, what, rtol, atol);
    }

    /// <inheritdoc cref="Close(Tensor, Tensor, string, double, double)"/>
    public static void Close(double[] expected, double[] actual, string what, double rtol = RelativeTolerance, double atol = AbsoluteTolerance)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: element count");
        int bad = -1, badCount = 0;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs(actual[i] - expected[i]);
            var allowed = atol + rtol * Math.Abs(expected[i]);
            if (!(error <= allowed))
            {
                badCount++;
                if (bad < 0 || error / allowed > worst)
                {
                    bad = i;
                    worst = error / allowed;
                }
            }
        }
        if (bad >= 0)
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {badCount} of {expected.Length} elements differ; worst at {bad}: {actual[bad]:R} vs expected {expected[bad]:R} (allowed {atol + rtol * Math.Abs(expected[bad]):G3})"));
    }
}

[TestClass]
public static class TestAssemblySetup
{
    /// <summary>
    /// The tests run tiny ops, for which one intra-op thread is fastest and, on a machine busy with other
    /// builds, avoids OpenMP threads spinning against each other (2,000 steps took minutes instead of
    /// seconds). The reference scripts use one thread as well.
    /// </summary>
    [AssemblyInitialize]
    public static void UseOneThread(TestContext context) => set_num_threads(1);
}
