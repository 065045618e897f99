using System.CommandLine;
using CnnMl.ConsoleApp.Data;
using CnnMl.ConsoleApp.Output;

namespace CnnMl.ConsoleApp.Commands;

/// <summary>
/// <c>cnnml export</c>: writes a saved model's network as an ONNX file (checked against libtorch) and,
/// with <c>--deployment</c>, the whole pipeline as an ML.NET model zip that scores through ML.NET's
/// OnnxTransformer and needs neither CnnMl nor libtorch.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(Terminal terminal)
    {
        var model = CommonOptions.ModelFile(required: true);
        var output = new Option<string>("--output", "-o") { Description = "The ONNX file to write", Required = true };
        var deployment = new Option<string?>("--deployment") { Description = "Also write the pipeline, scoring through ML.NET's OnnxTransformer, as this ML.NET model zip" };
        var command = new Command("export", "Export a saved model's network to ONNX (and the pipeline as an ONNX-scoring ML.NET model)") { model, output, deployment };
        command.SetAction(result =>
        {
            var ml = new MLContext();
            var path = result.GetValue(model)!;
            var trained = TrainedModel.Load(ml, path);
            var network = trained.Network;
            var onnx = network.ExportVerifiedOnnx(out var check);
            var onnxPath = result.GetValue(output)!;
            File.WriteAllBytes(onnxPath, onnx);
            terminal.Heading($"cnnml export: {network.Architecture} from {path}");
            terminal.Line($"{onnxPath}: ONNX opset {CnnMl.Onnx.OnnxExport.Opset}, input '{CnnMl.Onnx.OnnxExport.InputName}' float [batch, {network.Channels}, {network.Height}, {network.Width}], " +
                $"outputs '{CnnMl.Onnx.OnnxExport.ProbabilitiesName}' [batch, {network.ClassNames.Count}] and '{CnnMl.Onnx.OnnxExport.PredictedIndexName}' [batch, 1]; {onnx.Length / 1e6:F1} MB");
            terminal.Line($"ONNX Runtime vs libtorch: max |probability difference| {check.MaxAbsoluteDifference:E2} at batch sizes {string.Join(" and ", check.BatchSizes)}");
            if (result.GetValue(deployment) is { } deploymentPath)
            {
                var deployed = ml.Model.CreateOnnxDeployment(trained.Pipeline, trained.InputSchema);
                ml.Model.Save(deployed, trained.InputSchema, deploymentPath);
                terminal.Line($"{deploymentPath}: the pipeline scoring through ML.NET's OnnxTransformer (loads with Microsoft.ML, Microsoft.ML.ImageAnalytics, Microsoft.ML.OnnxTransformer and ONNX Runtime alone)");
            }
            return 0;
        });
        return command;
    }
}
