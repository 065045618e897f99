using System.CommandLine;
using System.Globalization;
using CnnMl.ConsoleApp.Output;
using CnnMl.Models;

namespace CnnMl.ConsoleApp.Commands;

/// <summary>
/// <c>cnnml models</c>: every zoo entry with its parameters and GFLOPS (multiply-accumulates of one
/// forward pass at the default input, torchvision's convention) and its input sizes. <c>--markdown</c>
/// prints the table the README carries.
/// </summary>
internal static class ModelsCommand
{
    public static Command Create(Terminal terminal)
    {
        var markdown = new Option<bool>("--markdown") { Description = "Print a markdown table (as in the README)" };
        var family = new Option<string?>("--family") { Description = "Only this family (e.g. LeNet, ResNet)" };
        var command = new Command("models", "List the model zoo: parameters, GFLOPS and input sizes") { markdown, family };
        command.SetAction(result =>
        {
            var filter = result.GetValue(family);
            var rows = ModelZoo.Models.Where(m => filter is null || string.Equals(m.Family, filter, StringComparison.OrdinalIgnoreCase)).ToArray();
            if (rows.Length == 0)
                throw new UsageException($"no zoo family '{filter}'; families: {string.Join(", ", ModelZoo.Models.Select(m => m.Family).Distinct())}");
            var headers = new[] { "model", "family", "parameters", "GFLOPS", "input", "minimum input", "classes" };
            var table = rows.Select(Row).ToArray();
            var numeric = new HashSet<int> { 2, 3, 6 };
            if (result.GetValue(markdown)) terminal.Out.Write(PlainTable.Markdown(headers, table, numeric));
            else terminal.Table(headers, table, numeric);
            return 0;
        });
        return command;
    }

    /// <summary>The class count a network was designed for: 10 for the small-input (MNIST/CIFAR) models, 1000 (ImageNet) otherwise.</summary>
    internal static int DesignClasses(ModelInfo info) => info.DefaultInputSize <= 32 || info.DefaultInChannels == 1 ? 10 : 1000;

    private static IReadOnlyList<string> Row(ModelInfo info)
    {
        var inv = CultureInfo.InvariantCulture;
        var classes = DesignClasses(info);
        using var model = ModelZoo.Create(info.Name, classes);
        var summary = ModelSummary.Summary(model, info.DefaultInChannels, info.DefaultInputSize, info.DefaultInputSize);
        var gflops = summary.GigaMacs;
        return new[]
        {
            info.Name, info.Family, summary.TotalParameters.ToString("N0", inv),
            gflops < 0.01 ? gflops.ToString("0.0000", inv) : gflops.ToString("F2", inv),
            $"{info.DefaultInChannels}x{info.DefaultInputSize}x{info.DefaultInputSize}",
            info.ExactInputSize ? $"{info.DefaultInputSize}x{info.DefaultInputSize} (exact)" : $"{info.MinimumInputSize}x{info.MinimumInputSize}",
            classes.ToString(inv),
        };
    }
}
