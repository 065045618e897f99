using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models;

// LeNet-5: LeCun, Bottou, Bengio and Haffner, "Gradient-Based Learning Applied to Document
// Recognition", Proc. IEEE 86(11), 1998. The variants are the common modern simplifications
// (no connection table, sigmoid or ReLU, average or max pooling, a linear output layer).

/// <summary>Which LeNet variant to build.</summary>
public enum LeNetVariant
{
    /// <summary>6 and 16 channels of 5x5 convolutions, sigmoid, 2x2 average pooling, then 120/84/classes dense layers.</summary>
    LeNet5,

    /// <summary>LeNet-5's layout (6 and 16 channels of 5x5 convolutions, 120/84/classes dense layers) with ReLU and 2x2 max-pooling, as most PyTorch tutorials write it.</summary>
    LeNet5Relu,

    /// <summary>20 channels of 5x5 and 50 of 3x3, ReLU, 2x2 max-pooling, a 128-unit dense layer, then classes.</summary>
    Conv20x50,

    /// <summary>Three 5x5 convolutions with 6, 16 and 120 channels (the last reduces 5x5 to 1x1), ReLU, then 84 and classes dense layers.</summary>
    ThreeConv,
}

/// <summary>
/// LeNet: a small convolutional feature extractor (<c>features</c>) followed by dense layers
/// (<c>classifier</c>, which starts with the flatten). The dense layers fix the input size, which
/// is therefore exact (<see cref="RequiredInputSize"/>).
/// </summary>
public sealed class LeNet : ClassifierNetwork
{
    private readonly Sequential features_;
    private readonly Sequential classifier;
    private readonly int inputSize;

    private LeNet(string name, LeNetVariant variant, int numClasses, int inChannels, int inputSize)
        : base(name, numClasses, inChannels, inputSize)
    {
        Variant = variant;
        this.inputSize = inputSize;
        (features_, classifier) = variant switch
        {
            LeNetVariant.LeNet5 => LeNet5Layers(numClasses, inChannels, inputSize, relu: false),
            LeNetVariant.LeNet5Relu => LeNet5Layers(numClasses, inChannels, inputSize, relu: true),
            LeNetVariant.Conv20x50 => Conv20x50Layers(numClasses, inChannels, inputSize),
            LeNetVariant.ThreeConv => ThreeConvLayers(numClasses, inChannels),
            _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown LeNet variant"),
        };
        register_module("features", features_);
        register_module("classifier", classifier);
    }

    /// <summary>The variant this network was built as.</summary>
    public LeNetVariant Variant { get; }

    /// <inheritdoc />
    public override int? RequiredInputSize => inputSize;

    /// <inheritdoc />
    public override string ClassifierName => $"classifier.{classifier.Count - 1}";

    private static (Sequential, Sequential) LeNet5Layers(int numClasses, int inChannels, int inputSize, bool relu)
    {
        // 28x28 input is padded by 2 so that the first convolution sees the paper's 32x32.
        var padding = inputSize == 28 ? 2 : 0;
        var side = ((inputSize + 2 * padding - 4) / 2 - 4) / 2;
        if (side < 1) throw new ArgumentException($"LeNet-5 needs at least 28x28 input, got {inputSize}x{inputSize}", nameof(inputSize));
        nn.Module<Tensor, Tensor> Activation() => relu ? nn.ReLU() : nn.Sigmoid();
        nn.Module<Tensor, Tensor> Pool() => relu ? nn.MaxPool2d(2) : nn.AvgPool2d(2);
        var features = nn.Sequential(
            nn.Conv2d(inChannels, 6, 5, padding: padding), Activation(), Pool(),
            nn.Conv2d(6, 16, 5), Activation(), Pool());
        var classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * side * side, 120), Activation(), nn.Linear(120, 84), Activation(), nn.Linear(84, numClasses));
        return (features, classifier);
    }

    private static (Sequential, Sequential) Conv20x50Layers(int numClasses, int inChannels, int inputSize)
    {
        var side = ((inputSize - 4) / 2 - 2) / 2;
        if (side < 1) throw new ArgumentException($"LeNet 20/50 needs at least 14x14 input, got {inputSize}x{inputSize}", nameof(inputSize));
        var features = nn.Sequential(
            nn.Conv2d(inChannels, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(20, 50, 3), nn.ReLU(), nn.MaxPool2d(2));
        var classifier = nn.Sequential(nn.Flatten(), nn.Linear(50 * side * side, 128), nn.ReLU(), nn.Linear(128, numClasses));
        return (features, classifier);
    }

    private static (Sequential, Sequential) ThreeConvLayers(int numClasses, int inChannels)
    {
        var features = nn.Sequential(
            nn.Conv2d(inChannels, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(16, 120, 5), nn.ReLU());
        var classifier = nn.Sequential(nn.Flatten(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, numClasses));
        return (features, classifier);
    }

    /// <inheritdoc />
    public override Tensor features(Tensor input) => features_.call(input);

    /// <inheritdoc />
    public override Tensor head(Tensor features) => classifier.call(features);

    /// <inheritdoc />
    public override void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        var last = classifier.Count - 1;
        var old = (Linear)classifier[last];
        classifier[last] = nn.Linear(old.in_features, numClasses);
        old.Dispose();
        NumClasses = numClasses;
    }

    /// <summary>Classic LeNet-5 for 28x28 (first convolution padded by 2) or 32x32 input: 61,706 parameters at 10 classes.</summary>
    public static LeNet LeNet5(int numClasses = 10, int inChannels = 1, int inputSize = 28) =>
        new("LeNet-5", LeNetVariant.LeNet5, numClasses, inChannels, inputSize);

    /// <summary>LeNet-5 with ReLU and max-pooling instead of sigmoid and average pooling (same 61,706 parameters at 28x28 and 10 classes).</summary>
    public static LeNet LeNet5Relu(int numClasses = 10, int inChannels = 1, int inputSize = 28) =>
        new("LeNet-5 (ReLU)", LeNetVariant.LeNet5Relu, numClasses, inChannels, inputSize);

    /// <summary>The 20/50-channel LeNet with max-pooling and a 128-unit dense layer (170,988 parameters at 28x28 and 10 classes).</summary>
    public static LeNet LeNet20x50(int numClasses = 10, int inChannels = 1, int inputSize = 28) =>
        new("LeNet 20/50", LeNetVariant.Conv20x50, numClasses, inChannels, inputSize);

    /// <summary>LeNet-5 with a third (C5) convolution instead of the first dense layer; 32x32 input only: 61,706 parameters at 10 classes.</summary>
    public static LeNet LeNet5C5(int numClasses = 10, int inChannels = 1) =>
        new("LeNet-5 (C5)", LeNetVariant.ThreeConv, numClasses, inChannels, 32);
}
