using System.CommandLine;
using CnnMl.ConsoleApp.Data;
using CnnMl.Models;

namespace CnnMl.ConsoleApp.Commands;

/// <summary>Options several commands share, created fresh per command.</summary>
internal static class CommonOptions
{
    public static Option<string> Dataset(string description) => new("--dataset", "-d")
    {
        Description = $"{description}: {DatasetSpec.Help}",
        DefaultValueFactory = _ => "fashion-mnist",
    };

    public static Option<int?> Limit(string description) => new("--limit") { Description = description };

    public static Option<int> Seed() => new("--seed") { Description = "Seed of weights, shuffling and splits", DefaultValueFactory = _ => 1 };

    public static Option<int?> Threads(string description = "libtorch intra-op threads (default: libtorch's choice, all cores)") => new("--threads") { Description = description };

    public static Option<string> ModelFile(bool required) => new("--model", "-m")
    {
        Description = "The model zip written by 'cnnml train'",
        Required = required,
    };

    public static Option<string> ScoringPrecision()
    {
        var option = new Option<string>("--precision")
        {
            Description = "fp32 (default: ONNX Runtime or libtorch); bf16: libtorch under autocast to bfloat16, faster where the CPU has bfloat16 units, predictions may differ slightly",
            DefaultValueFactory = _ => "fp32",
        };
        option.AcceptOnlyFromAmong("fp32", "bf16");
        return option;
    }

    /// <summary>Applies --precision to a loaded model's scoring.</summary>
    public static void ApplyScoringPrecision(TrainedModel trained, string? precision)
    {
        if (precision == "bf16") trained.Network.InferenceOptions = new InferenceOptions { Precision = InferencePrecision.BFloat16 };
    }

    /// <summary>Applies --threads (at least 1); without it, <paramref name="fallback"/> when given.</summary>
    public static void ApplyThreads(int? threads, int? fallback = null)
    {
        if ((threads ?? fallback) is not { } n) return;
        if (n < 1) throw new UsageException($"--threads must be at least 1, got {n}");
        CnnMl.Torch.torch.set_num_threads(n);
    }

    /// <summary>Checks --limit (at least 1 when given).</summary>
    public static int? CheckLimit(int? limit) =>
        limit is < 1 ? throw new UsageException($"--limit must be at least 1, got {limit}") : limit;

    /// <summary>Counts the rows of a view with a cursor over no columns.</summary>
    /// <remarks>GetRowCount is not trusted: TrainTestSplit's views report their source's count.</remarks>
    public static long CountRows(IDataView data)
    {
        long count = 0;
        using var cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        while (cursor.MoveNext()) count++;
        return count;
    }

    /// <summary>The zoo entry a <c>--model</c> or model argument names; an unknown name is a usage error (exit code 2) listing the zoo.</summary>
    public static ModelInfo Model(string name)
    {
        try
        {
            return ModelZoo.Describe(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(CliApp.OneLine(e));
        }
    }
}
