using CnnMl.Trainers;

namespace CnnMl.Bench;

/// <summary>The trainer a bench <c>--model</c> name trains with, shared by the workloads that train through the pipeline.</summary>
public static class BenchTrainers
{
    /// <summary>
    /// lenet5 and lenet5_relu: the LeNet trainer with that Variant; resnet18_small, resnet50_small (any
    /// resnetN_small): the ResNet trainer with Depth N and SmallInputStem; any other ModelZoo name: the Cnn
    /// trainer with that Architecture. <paramref name="configure"/> sets the options every workload shares.
    /// </summary>
    public static IEstimator<CnnClassificationTransformer> Create(MLContext mlContext, string modelName, Action<CnnTrainerOptions> configure)
    {
        var trainers = mlContext.MulticlassClassification.Trainers;
        T With<T>(T options) where T : CnnTrainerOptions
        {
            configure(options);
            return options;
        }
        return modelName switch
        {
            "lenet5" or "lenet5_relu" => trainers.LeNet(With(new LeNetTrainer.Options { Variant = modelName })),
            _ when SmallStemResNetDepth(modelName) is { } depth => trainers.ResNet(With(new ResNetTrainer.Options { Depth = depth, SmallInputStem = true })),
            _ => trainers.Cnn(With(new CnnTrainer.Options { Architecture = modelName })),
        };
    }

    /// <summary>The <c>--optimizer</c> option: sgd, adam or adamw.</summary>
    public static CnnOptimizer Optimizer(string name) => name switch
    {
        "sgd" => CnnOptimizer.Sgd,
        "adam" => CnnOptimizer.Adam,
        "adamw" => CnnOptimizer.AdamW,
        _ => throw new ArgumentException($"--optimizer must be sgd, adam or adamw, got '{name}'"),
    };

    /// <summary>The <c>--amp</c> option as the trainers' precision: none (float32) or bf16.</summary>
    public static TrainingPrecision Precision(string amp) => amp switch
    {
        "none" => TrainingPrecision.Float32,
        "bf16" => TrainingPrecision.BFloat16,
        _ => throw new ArgumentException($"--amp must be none or bf16, got '{amp}'"),
    };

    private static int? SmallStemResNetDepth(string modelName) =>
        modelName.StartsWith("resnet", StringComparison.Ordinal) && modelName.EndsWith("_small", StringComparison.Ordinal)
        && int.TryParse(modelName.AsSpan(6, modelName.Length - 12), out var depth) ? depth : null;
}
