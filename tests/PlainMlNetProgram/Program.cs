using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

// A plain ML.NET program that uses the CNN trainers only through ML.NET's own catalogs: nothing of
// CnnMl is named here, its assembly is merely deployed beside this one.
//   train <imageFolder> <model.zip> <predictions.tsv>: trains ResNet-18 on the folder's PNG files (one
//     subfolder per class), writes the prediction engine's label and scores for every file, evaluates
//     the model, cross-validates a LeNet and saves the model.
//   predict <model.zip> <imageFolder> <predictions.tsv>: loads the saved model in a fresh MLContext and
//     writes the same predictions; prints the assemblies loaded before and after Model.Load.
// A line per prediction: the file's path relative to the folder, the predicted label and the scores
// (round-trip floats, comma separated), tab separated.
if (args.Length == 4 && args[0] == "train") return Train(args[1], args[2], args[3]);
if (args.Length == 4 && args[0] == "predict") return Predict(args[1], args[2], args[3]);
Console.Error.WriteLine("usage: CnnMl.PlainMlNetProgram train <imageFolder> <model.zip> <predictions.tsv>");
Console.Error.WriteLine("       CnnMl.PlainMlNetProgram predict <model.zip> <imageFolder> <predictions.tsv>");
return 2;

static int Train(string imageFolder, string modelPath, string predictionsPath)
{
    var ml = new MLContext(seed: 1);
    var rows = ImageRow.List(imageFolder);
    var data = ml.Data.LoadFromEnumerable(rows);
    var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 1);

    var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.Transforms.LoadImages("Image", imageFolder, "ImagePath"))
        .Append(ml.Transforms.ResizeImages("Image", 32, 32))
        .Append(ml.Transforms.ExtractPixels("Features", "Image", scaleImage: 1f / 255))
        .Append(ml.MulticlassClassification.Trainers.ResNet(depth: 18, epochs: 3, batchSize: 8, learningRate: 0.01))
        .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
    var model = pipeline.Fit(split.TrainSet);
    WritePredictions(ml, model, rows, predictionsPath);
    Console.WriteLine($"ResNet-18 Features: {model.GetOutputSchema(data.Schema)["Features"].Type}");
    var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
    Console.WriteLine($"ResNet-18 MicroAccuracy: {metrics.MicroAccuracy.ToString("F4", CultureInfo.InvariantCulture)}");

    var grayFeatures = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.Transforms.LoadImages("Image", imageFolder, "ImagePath"))
        .Append(ml.Transforms.ResizeImages("Image", 32, 32))
        .Append(ml.Transforms.ConvertToGrayscale("Image"))
        .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255));
    Console.WriteLine($"LeNet Features: {grayFeatures.Fit(data).GetOutputSchema(data.Schema)["Features"].Type}");
    var lenet = grayFeatures.Append(ml.MulticlassClassification.Trainers.LeNet(variant: "lenet5_32", epochs: 1, batchSize: 16));
    foreach (var fold in ml.MulticlassClassification.CrossValidate(data, lenet, numberOfFolds: 2))
        Console.WriteLine($"LeNet fold {fold.Fold} MicroAccuracy: {fold.Metrics.MicroAccuracy.ToString("F4", CultureInfo.InvariantCulture)}");

    ml.Model.Save(model, data.Schema, modelPath);
    Console.WriteLine($"saved {modelPath}");
    return 0;
}

static int Predict(string modelPath, string imageFolder, string predictionsPath)
{
    var ml = new MLContext();
    Console.WriteLine($"assemblies before Model.Load: {LoadedAssemblies()}");
    var model = ml.Model.Load(modelPath, out _);
    Console.WriteLine($"assemblies after Model.Load: {LoadedAssemblies()}");
    WritePredictions(ml, model, ImageRow.List(imageFolder), predictionsPath);
    return 0;
}

// The names of the assemblies loaded so far, sorted: shows what Model.Load loaded by itself.
static string LoadedAssemblies() =>
    string.Join(" ", AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).OrderBy(n => n, StringComparer.Ordinal));

static void WritePredictions(MLContext ml, ITransformer model, List<ImageRow> rows, string path)
{
    var engine = ml.Model.CreatePredictionEngine<ImageRow, ImagePrediction>(model);
    var lines = rows.Select(row =>
    {
        var prediction = engine.Predict(row);
        var scores = string.Join(",", prediction.Score.Select(s => s.ToString("R", CultureInfo.InvariantCulture)));
        return $"{row.ImagePath}\t{prediction.PredictedLabel}\t{scores}";
    });
    File.WriteAllLines(path, lines);
}

/// <summary>One image file: its path relative to the image folder and its class (the subfolder's name).</summary>
internal sealed class ImageRow
{
    public string ImagePath { get; set; } = "";

    public string Label { get; set; } = "";

    /// <summary>Every PNG file of every subfolder of <paramref name="folder"/>, in ordinal order.</summary>
    public static List<ImageRow> List(string folder) =>
        Directory.GetDirectories(folder)
            .OrderBy(d => d, StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d, "*.png")
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => new ImageRow { ImagePath = Path.GetRelativePath(folder, f), Label = Path.GetFileName(d) }))
            .ToList();
}

/// <summary>What the prediction engine returns for one image.</summary>
internal sealed class ImagePrediction
{
    public string PredictedLabel { get; set; } = "";

    public float[] Score { get; set; } = Array.Empty<float>();
}
