using System.CommandLine;
using CnnMl.ConsoleApp.Data;
using CnnMl.ConsoleApp.Output;

namespace CnnMl.ConsoleApp.Commands;

/// <summary><c>cnnml evaluate</c>: scores a dataset's test part with a saved model; prints metrics and the confusion table.</summary>
internal static class EvaluateCommand
{
    public static Command Create(Terminal terminal)
    {
        var model = CommonOptions.ModelFile(required: true);
        var dataset = CommonOptions.Dataset("Data to evaluate on (the test files; every image of a folder)");
        var limit = CommonOptions.Limit("Evaluate on at most N images");
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var precision = CommonOptions.ScoringPrecision();
        var command = new Command("evaluate", "Evaluate a saved model on a dataset") { model, dataset, limit, seed, threads, precision };
        command.SetAction(result =>
        {
            CommonOptions.ApplyThreads(result.GetValue(threads));
            var ml = new MLContext(seed: result.GetValue(seed));
            var spec = DatasetSpec.Parse(result.GetValue(dataset)!);
            var trained = TrainedModel.Load(ml, result.GetValue(model)!);
            CommonOptions.ApplyScoringPrecision(trained, result.GetValue(precision));
            var data = spec.Load(ml, DatasetPart.Evaluation, CommonOptions.CheckLimit(result.GetValue(limit)), result.GetValue(seed));
            var metrics = ml.MulticlassClassification.Evaluate(trained.Score(data), scoreColumnName: trained.Network.ScoreColumnName,
                predictedLabelColumnName: trained.Network.PredictedLabelColumnName);
            terminal.Heading($"cnnml evaluate: {trained.Network.Architecture} from {result.GetValue(model)} on {spec.DisplayName}");
            MetricsReport.Print(terminal, "metrics", metrics, CommonOptions.CountRows(data));
            terminal.Line($"scored by {trained.Network.ScoringEngineInUse}");
            return 0;
        });
        return command;
    }
}
