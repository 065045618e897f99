namespace CnnMl.Bench;

/// <summary>
/// Entry point: picks a workload by name, parses its options, runs it and prints its result as one
/// JSON line on stdout (diagnostics go to stderr). New workloads (inference, end-to-end epoch,
/// conv ceiling) are one class and one row in <see cref="Workloads"/>.
/// </summary>
public static class BenchCli
{
    /// <summary>Every workload by name.</summary>
    public static readonly IReadOnlyDictionary<string, IWorkload> Workloads = new Dictionary<string, IWorkload>
    {
        ["train-step"] = new TrainStepWorkload(),
        ["train-accuracy"] = new TrainAccuracyWorkload(),
        ["conv-ceiling"] = new ConvCeilingWorkload(),
        ["epoch"] = new EpochWorkload(),
        ["infer"] = new InferWorkload(),
        ["score-precision"] = new ScorePrecisionWorkload(),
        ["info"] = new InfoWorkload(),
    };

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            PrintUsage(Console.Out);
            return args.Length == 0 ? 2 : 0;
        }
        if (!Workloads.TryGetValue(args[0], out var workload))
        {
            Console.Error.WriteLine($"unknown workload '{args[0]}'");
            PrintUsage(Console.Error);
            return 2;
        }
        BenchResult result;
        try
        {
            // Option values are checked as they are read, in Parse and in the workload.
            result = workload.Run(BenchArgs.Parse(args.AsSpan(1), workload.Options));
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        Console.WriteLine(result.ToJson());
        return 0;
    }

    private static void PrintUsage(TextWriter w)
    {
        w.WriteLine("usage: CnnMl.Bench <workload> [--option value ...]");
        foreach (var (name, workload) in Workloads)
        {
            w.WriteLine($"  {name}: {workload.Description}");
            foreach (var o in workload.Options)
                w.WriteLine($"    --{o.Name,-10} {o.Help} (default {o.Default})");
        }
    }
}

/// <summary>One benchmark: its options and how to run it once.</summary>
public interface IWorkload
{
    string Description { get; }

    IReadOnlyList<BenchOption> Options { get; }

    BenchResult Run(BenchArgs args);
}
