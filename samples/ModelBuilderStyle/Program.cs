// Model Builder style with CnnMl inside: export a few hundred Fashion-MNIST images into an image
// folder, train on the folder (one epoch), save, reload through MLModel.Predict and classify a few
// images. Usage: dotnet run [-- <work folder> [images per class]]
using Microsoft.ML;
using CnnMl.Datasets;
using ModelBuilderStyle;

var work = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "cnnml-model-builder-style");
var perClass = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 40;
var imageFolder = Path.Combine(work, "images");
var testFolder = Path.Combine(work, "test-images");
if (Directory.Exists(work)) Directory.Delete(work, recursive: true);

// 1. An image folder, as a user would have: <folder>/<class>/<image>.png.
var mlContext = new MLContext(seed: 1);
var exported = mlContext.Data.ExportToImageFolder(FashionMnist.Load(mlContext, train: true, options: new DatasetLoadOptions { MaxRows = perClass * 10 }), imageFolder);
mlContext.Data.ExportToImageFolder(FashionMnist.Load(mlContext, train: false, options: new DatasetLoadOptions { MaxRows = 200 }), testFolder);
Console.WriteLine($"exported {exported} training images to {imageFolder}");

// 2. Train and save (MLModel.training.cs).
MLModel.MLNetModelPath = Path.Combine(work, "MLModel.zip");
MLModel.Train(MLModel.MLNetModelPath, imageFolder);
Console.WriteLine($"saved {MLModel.MLNetModelPath} ({new FileInfo(MLModel.MLNetModelPath).Length:N0} bytes)");

// 3. Evaluate the reloaded model on held-out images (MLModel.evaluate.cs).
var model = mlContext.Model.Load(MLModel.MLNetModelPath, out _);
var test = MLModel.LoadImageFromFolder(mlContext, testFolder);
MLModel.PrintMulticlassClassificationMetrics(MLModel.Evaluate(mlContext, model, test));

// 4. Predict a few images (MLModel.consumption.cs: lazy PredictionEngine over the saved file).
foreach (var file in Directory.GetDirectories(testFolder).OrderBy(d => d, StringComparer.Ordinal).Take(4)
             .Select(d => Directory.GetFiles(d).OrderBy(f => f, StringComparer.Ordinal).First()))
{
    var input = new MLModel.ModelInput { ImageSource = File.ReadAllBytes(file) };
    var output = MLModel.Predict(input);
    var top = MLModel.GetSortedScoresWithLabels(output).Take(3).Select(p => $"{p.Key} {p.Value:P1}");
    Console.WriteLine($"{Path.GetFileName(Path.GetDirectoryName(file))}/{Path.GetFileName(file)}: predicted {output.PredictedLabel} ({string.Join(", ", top)})");
}
