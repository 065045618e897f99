using System.CommandLine;
using System.Globalization;
using CnnMl.ConsoleApp.Data;
using CnnMl.ConsoleApp.Output;

namespace CnnMl.ConsoleApp.Commands;

/// <summary><c>cnnml predict</c>: the top labels with probabilities for each image file.</summary>
internal static class PredictCommand
{
    public static Command Create(Terminal terminal)
    {
        var model = CommonOptions.ModelFile(required: true);
        var top = new Option<int>("--top") { Description = "Labels shown per image", DefaultValueFactory = _ => 3 };
        var images = new Argument<string[]>("images") { Description = "Image files (PNG, JPEG, BMP)", Arity = ArgumentArity.OneOrMore };
        var precision = CommonOptions.ScoringPrecision();
        var command = new Command("predict", "Predict the labels of image files with a saved model") { model, top, precision, images };
        command.SetAction(result =>
        {
            var k = result.GetValue(top);
            if (k < 1) throw new UsageException($"--top must be at least 1, got {k}");
            var files = result.GetValue(images)!;
            foreach (var file in files)
                if (!File.Exists(file)) throw new FileNotFoundException($"image file '{file}' does not exist", file);
            var ml = new MLContext(seed: 1);
            var trained = TrainedModel.Load(ml, result.GetValue(model)!);
            CommonOptions.ApplyScoringPrecision(trained, result.GetValue(precision));
            var predictions = Predict(ml, trained, files, k);
            var inv = CultureInfo.InvariantCulture;
            var headers = new List<string> { "image" };
            for (int i = 1; i <= k; i++) headers.Add($"#{i}");
            terminal.Table(headers, predictions.Select(p => (IReadOnlyList<string>)
                new[] { p.File }.Concat(p.Top.Select(t => $"{t.Label} {t.Probability.ToString("P1", inv)}")).ToArray()));
            return 0;
        });
        return command;
    }

    /// <summary>The <paramref name="k"/> most probable labels of each file, in file order.</summary>
    internal static IReadOnlyList<(string File, IReadOnlyList<(string Label, float Probability)> Top)> Predict(MLContext ml, TrainedModel trained, IReadOnlyList<string> files, int k)
    {
        var scored = trained.Score(ImageInput.FromFiles(ml, files));
        var scoreColumn = scored.Schema[trained.Network.ScoreColumnName];
        var names = trained.Network.ClassNames;
        var results = new List<(string, IReadOnlyList<(string, float)>)>();
        using var cursor = scored.GetRowCursor(new[] { scoreColumn });
        var getScore = cursor.GetGetter<VBuffer<float>>(scoreColumn);
        VBuffer<float> score = default;
        while (cursor.MoveNext())
        {
            getScore(ref score);
            var values = score.DenseValues().ToArray();
            var best = Enumerable.Range(0, values.Length).OrderByDescending(i => values[i]).Take(k)
                .Select(i => (i < names.Count ? names[i] : i.ToString(CultureInfo.InvariantCulture), values[i])).ToArray();
            results.Add((files[(int)cursor.Position], best));
        }
        return results;
    }
}
