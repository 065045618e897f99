// The training half of the layout ML.NET Model Builder generates (MLModel.training.cs). Model
// Builder's image pipeline is MapValueToKey -> ImageClassification(featureColumnName: "ImageSource")
// -> MapKeyToValue; here a CnnMl trainer takes the same encoded image bytes, decodes and resizes them.
using Microsoft.ML;
using CnnMl.Trainers;

namespace ModelBuilderStyle;

public partial class MLModel
{
    /// <summary>Training settings (Model Builder keeps them in the .mbconfig file).</summary>
    public static LeNetTrainer.Options TrainerOptions { get; set; } = new()
    {
        Variant = "lenet_20_50",
        FeatureColumnName = "ImageSource",
        Epochs = 1,
        BatchSize = 32,
        Optimizer = CnnOptimizer.Adam,
        LearningRate = 2e-3,
        WeightDecay = 0,
    };

    /// <summary>Trains on the image folder <paramref name="inputDataFolder"/> (one subfolder per class) and saves the model.</summary>
    public static void Train(string outputModelPath, string inputDataFolder)
    {
        var mlContext = new MLContext(seed: 1);
        var data = LoadImageFromFolder(mlContext, inputDataFolder);
        var model = RetrainModel(mlContext, data);
        SaveModel(mlContext, model, data, outputModelPath);
    }

    /// <summary>The rows of an image folder: the subfolder name as Label, the file's bytes as ImageSource.</summary>
    public static IDataView LoadImageFromFolder(MLContext mlContext, string folder)
    {
        var extensions = new[] { ".png", ".jpg", ".jpeg", ".bmp" };
        var rows = Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal)
            .SelectMany(classFolder => Directory.EnumerateFiles(classFolder, "*", SearchOption.AllDirectories)
                .Where(file => extensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
                .OrderBy(file => file, StringComparer.Ordinal)
                .Select(file => new ModelInput { Label = Path.GetFileName(classFolder), ImageSource = File.ReadAllBytes(file) }))
            .ToArray();
        if (rows.Length == 0) throw new InvalidDataException($"'{folder}' holds no images in class subfolders");
        return mlContext.Data.ShuffleRows(mlContext.Data.LoadFromEnumerable(rows), seed: 1);
    }

    /// <summary>Saves the model with the schema of its input.</summary>
    public static void SaveModel(MLContext mlContext, ITransformer model, IDataView data, string modelSavePath)
    {
        mlContext.Model.Save(model, data.Schema, modelSavePath);
    }

    /// <summary>Fits <see cref="BuildPipeline"/> to <paramref name="trainData"/>.</summary>
    public static ITransformer RetrainModel(MLContext mlContext, IDataView trainData)
    {
        var pipeline = BuildPipeline(mlContext);
        var model = pipeline.Fit(trainData);
        return model;
    }

    /// <summary>The training pipeline: label to key, LeNet on the image bytes (decoded to 28x28 gray by the trainer), key back to label.</summary>
    public static IEstimator<ITransformer> BuildPipeline(MLContext mlContext)
    {
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey(outputColumnName: @"Label", inputColumnName: @"Label")
            .Append(mlContext.MulticlassClassification.Trainers.LeNet(TrainerOptions))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue(outputColumnName: @"PredictedLabel", inputColumnName: @"PredictedLabel"));
        return pipeline;
    }
}
