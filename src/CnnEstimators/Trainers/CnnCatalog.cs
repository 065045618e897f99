using CnnMl.MlNetInternals;
using CnnMl.Trainers;

namespace Microsoft.ML;

/// <summary>
/// CNN trainers on <c>mlContext.MulticlassClassification.Trainers</c> (found with <c>using Microsoft.ML;</c>,
/// as ML.NET's own extension packages are): per family a flat overload with ML.NET's column defaults
/// and one taking the family's Options.
/// </summary>
public static class CnnCatalog
{

    private static TOptions Flat<TOptions>(TOptions options, string labelColumnName, string featureColumnName, string scoreColumnName, string predictedLabelColumnName,
        int epochs, int batchSize, double learningRate, IDataView? validationSet) where TOptions : CnnTrainerOptions
    {
        options.LabelColumnName = labelColumnName;
        options.FeatureColumnName = featureColumnName;
        options.ScoreColumnName = scoreColumnName;
        options.PredictedLabelColumnName = predictedLabelColumnName;
        options.Epochs = epochs;
        options.BatchSize = batchSize;
        options.LearningRate = learningRate;
        options.ValidationSet = validationSet;
        return options;
    }

    public static LeNetTrainer LeNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", string variant = "lenet5", int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(MlContextSettings.Of(catalog, "LeNet"), Flat(new LeNetTrainer.Options { Variant = variant }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static LeNetTrainer LeNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, LeNetTrainer.Options options) =>
        new(MlContextSettings.Of(catalog, "LeNet"), options);

    public static AlexNetTrainer AlexNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(MlContextSettings.Of(catalog, "AlexNet"), Flat(new AlexNetTrainer.Options(), labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static AlexNetTrainer AlexNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, AlexNetTrainer.Options options) =>
        new(MlContextSettings.Of(catalog, "AlexNet"), options);

    public static VggTrainer Vgg(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int depth = 16, bool batchNorm = true, int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(MlContextSettings.Of(catalog, "Vgg"), Flat(new VggTrainer.Options { Depth = depth, BatchNorm = batchNorm }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static VggTrainer Vgg(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, VggTrainer.Options options) =>
        new(MlContextSettings.Of(catalog, "Vgg"), options);

    public static NiNTrainer NiN(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(MlContextSettings.Of(catalog, "NiN"), Flat(new NiNTrainer.Options(), labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static NiNTrainer NiN(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, NiNTrainer.Options options) =>
        new(MlContextSettings.Of(catalog, "NiN"), options);

    public static GoogLeNetTrainer GoogLeNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(MlContextSettings.Of(catalog, "GoogLeNet"), Flat(new GoogLeNetTrainer.Options(), labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static GoogLeNetTrainer GoogLeNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, GoogLeNetTrainer.Options options) =>
        new(MlContextSettings.Of(catalog, "GoogLeNet"), options);

    public static InceptionV3Trainer InceptionV3(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(MlContextSettings.Of(catalog, "InceptionV3"), Flat(new InceptionV3Trainer.Options(), labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static InceptionV3Trainer InceptionV3(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, InceptionV3Trainer.Options options) =>
        new(MlContextSettings.Of(catalog, "InceptionV3"), options);

    public static ResNetTrainer ResNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int depth = 18, int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(MlContextSettings.Of(catalog, "ResNet"), Flat(new ResNetTrainer.Options { Depth = depth }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static ResNetTrainer ResNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ResNetTrainer.Options options) =>
        new(MlContextSettings.Of(catalog, "ResNet"), options);

    public static DenseNetTrainer DenseNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int depth = 121, int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(MlContextSettings.Of(catalog, "DenseNet"), Flat(new DenseNetTrainer.Options { Depth = depth }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static DenseNetTrainer DenseNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, DenseNetTrainer.Options options) =>
        new(MlContextSettings.Of(catalog, "DenseNet"), options);

    public static EfficientNetTrainer EfficientNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int variant = 0, int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(MlContextSettings.Of(catalog, "EfficientNet"), Flat(new EfficientNetTrainer.Options { Variant = variant }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static EfficientNetTrainer EfficientNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, EfficientNetTrainer.Options options) =>
        new(MlContextSettings.Of(catalog, "EfficientNet"), options);

    /// <summary>Trains any zoo network by name (e.g. "resnet18_small").</summary>
    public static CnnTrainer Cnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string architecture, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(MlContextSettings.Of(catalog, "Cnn"), Flat(new CnnTrainer.Options { Architecture = architecture }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static CnnTrainer Cnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, CnnTrainer.Options options) =>
        new(MlContextSettings.Of(catalog, "Cnn"), options);
}
