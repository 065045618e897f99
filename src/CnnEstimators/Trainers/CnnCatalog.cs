using System.Runtime.CompilerServices;
using CnnMl.Model;
using CnnMl.Trainers;

namespace CnnMl;

/// <summary>
/// CNN trainers on <c>mlContext.MulticlassClassification.Trainers</c>: per family a flat overload
/// with ML.NET's column defaults and one taking the family's Options.
/// </summary>
public static class CnnCatalog
{
    // Model files name the trained network's kind; registering when this assembly loads lets
    // mlContext.Model.Load find it (the registry also loads CnnMl assemblies on demand).
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterTransformers() => TransformerRegistry.Register(CnnClassificationTransformer.Kind, CnnClassificationTransformer.Load);

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
        new(catalog.Context, Flat(new LeNetTrainer.Options { Variant = variant }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static LeNetTrainer LeNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, LeNetTrainer.Options options) => new(catalog.Context, options);

    public static AlexNetTrainer AlexNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(catalog.Context, Flat(new AlexNetTrainer.Options(), labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static AlexNetTrainer AlexNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, AlexNetTrainer.Options options) => new(catalog.Context, options);

    public static VggTrainer Vgg(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int depth = 16, bool batchNorm = true, int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(catalog.Context, Flat(new VggTrainer.Options { Depth = depth, BatchNorm = batchNorm }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static VggTrainer Vgg(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, VggTrainer.Options options) => new(catalog.Context, options);

    public static NiNTrainer NiN(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(catalog.Context, Flat(new NiNTrainer.Options(), labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static NiNTrainer NiN(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, NiNTrainer.Options options) => new(catalog.Context, options);

    public static GoogLeNetTrainer GoogLeNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(catalog.Context, Flat(new GoogLeNetTrainer.Options(), labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static GoogLeNetTrainer GoogLeNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, GoogLeNetTrainer.Options options) => new(catalog.Context, options);

    public static InceptionV3Trainer InceptionV3(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(catalog.Context, Flat(new InceptionV3Trainer.Options(), labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static InceptionV3Trainer InceptionV3(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, InceptionV3Trainer.Options options) => new(catalog.Context, options);

    public static ResNetTrainer ResNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int depth = 18, int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(catalog.Context, Flat(new ResNetTrainer.Options { Depth = depth }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static ResNetTrainer ResNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ResNetTrainer.Options options) => new(catalog.Context, options);

    public static DenseNetTrainer DenseNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int depth = 121, int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(catalog.Context, Flat(new DenseNetTrainer.Options { Depth = depth }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static DenseNetTrainer DenseNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, DenseNetTrainer.Options options) => new(catalog.Context, options);

    public static EfficientNetTrainer EfficientNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int variant = 0, int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(catalog.Context, Flat(new EfficientNetTrainer.Options { Variant = variant }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static EfficientNetTrainer EfficientNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, EfficientNetTrainer.Options options) => new(catalog.Context, options);

    /// <summary>Trains any zoo network by name (e.g. "resnet18_small").</summary>
    public static CnnTrainer Cnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string architecture, string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel", int epochs = 10, int batchSize = 64, double learningRate = 0.01, IDataView? validationSet = null) =>
        new(catalog.Context, Flat(new CnnTrainer.Options { Architecture = architecture }, labelColumnName, featureColumnName, scoreColumnName, predictedLabelColumnName, epochs, batchSize, learningRate, validationSet));

    public static CnnTrainer Cnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, CnnTrainer.Options options) => new(catalog.Context, options);
}
