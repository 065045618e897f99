using CnnMl.Models;
using static CnnMl.Torch.torch;

namespace CnnMl.Models;

/// <summary>Per-channel normalization statistics the network expects its input to be normalized with.</summary>
/// <param name="Mean">Per-channel mean of the training images (pixels scaled to [0, 1]).</param>
/// <param name="Std">Per-channel standard deviation.</param>
public sealed record Normalization(float[] Mean, float[] Std)
{
    /// <summary>ImageNet RGB statistics used by every torchvision model.</summary>
    public static Normalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>MNIST grey-level statistics.</summary>
    public static Normalization Mnist { get; } = new([0.1307f], [0.3081f]);

    /// <summary>CIFAR-10 RGB statistics.</summary>
    public static Normalization Cifar10 { get; } = new([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);

    /// <summary>
    /// The statistics for <paramref name="channels"/> channels: these when the counts match, their
    /// average repeated otherwise (e.g. ImageNet statistics for grey images).
    /// </summary>
    public Normalization ForChannels(int channels)
    {
        if (channels == Mean.Length) return this;
        var mean = Mean.Average();
        var std = Std.Average();
        return new(Enumerable.Repeat(mean, channels).ToArray(), Enumerable.Repeat(std, channels).ToArray());
    }

    /// <summary>(images - mean) / std per channel of (N, C, H, W) images, on their device (a new tensor).</summary>
    public Tensor Apply(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var shape = new long[] { 1, Mean.Length, 1, 1 };
        return scope.MoveToOuter((images - tensor(Mean, shape, images.device)) / tensor(Std, shape, images.device));
    }
}

/// <summary>What the zoo knows about one registered model.</summary>
/// <param name="Name">Registry name, as torchvision's (<c>resnet18</c>, <c>vgg16_bn</c>).</param>
/// <param name="Family">Architecture family (<c>ResNet</c>, <c>VGG</c>, ...).</param>
/// <param name="DefaultInputSize">Input height and width the network was designed for.</param>
/// <param name="MinimumInputSize">Smallest height and width it accepts.</param>
/// <param name="ExactInputSize">True when the network only accepts <see cref="DefaultInputSize"/> (fixed-size flatten).</param>
/// <param name="DefaultInChannels">Input channels of the data set it was designed for.</param>
/// <param name="Normalization">Input normalization for <see cref="DefaultInChannels"/> channels.</param>
/// <param name="ClassifierParameters">State-dict names of the final classifier's parameters (replaced when fine-tuning).</param>
/// <param name="Factory">Creates the network from (numClasses, inChannels).</param>
public sealed record ModelInfo(
    string Name,
    string Family,
    int DefaultInputSize,
    int MinimumInputSize,
    bool ExactInputSize,
    int DefaultInChannels,
    Normalization Normalization,
    string[] ClassifierParameters,
    Func<int, int, ClassifierNetwork> Factory)
{
    /// <summary>Why the network cannot take <paramref name="height"/> x <paramref name="width"/> input, or null when it can.</summary>
    public string? InputSizeProblem(int height, int width) =>
        (ExactInputSize ? height != DefaultInputSize || width != DefaultInputSize : height < MinimumInputSize || width < MinimumInputSize)
            ? $"{Name} cannot take {height}x{width} input (it needs {(ExactInputSize ? "exactly" : "at least")} {(ExactInputSize ? DefaultInputSize : MinimumInputSize)} pixels a side)"
            : null;

    /// <summary>One line describing the model.</summary>
    public override string ToString() =>
        $"{Name} ({Family}): input {DefaultInChannels}x{DefaultInputSize}x{DefaultInputSize}" +
        (ExactInputSize ? " (exact)" : $" (minimum {MinimumInputSize}x{MinimumInputSize})") +
        $", mean [{string.Join(", ", Normalization.Mean)}], std [{string.Join(", ", Normalization.Std)}], classifier {string.Join(", ", ClassifierParameters)}";
}

/// <summary>
/// The model zoo: one table of every registered network, by torchvision's names.
/// <code>using var model = ModelZoo.Create("resnet18", numClasses: 10);</code>
/// </summary>
public static class ModelZoo
{
    private static readonly Normalization ImageNet = Normalization.ImageNet;
    private static readonly string[] Fc = ["fc.weight", "fc.bias"];
    private static readonly string[] Classifier6 = ["classifier.6.weight", "classifier.6.bias"];
    private static readonly string[] DenseClassifier = ["classifier.weight", "classifier.bias"];
    private static readonly string[] Classifier1 = ["classifier.1.weight", "classifier.1.bias"];

    // One row per model: name, family, default size, minimum size, exact size?, default channels,
    // normalization, classifier parameters, factory (numClasses, inChannels).
    private static readonly ModelInfo[] Table =
    [
        new("lenet5", "LeNet", 28, 28, true, 1, Normalization.Mnist, ["classifier.5.weight", "classifier.5.bias"], (n, c) => LeNet.LeNet5(n, c, inputSize: 28)),
        new("lenet5_relu", "LeNet", 28, 28, true, 1, Normalization.Mnist, ["classifier.5.weight", "classifier.5.bias"], (n, c) => LeNet.LeNet5Relu(n, c, inputSize: 28)),
        new("lenet5_32", "LeNet", 32, 32, true, 1, Normalization.Mnist, ["classifier.5.weight", "classifier.5.bias"], (n, c) => LeNet.LeNet5(n, c, inputSize: 32)),
        new("lenet_20_50", "LeNet", 28, 28, true, 1, Normalization.Mnist, ["classifier.3.weight", "classifier.3.bias"], (n, c) => LeNet.LeNet20x50(n, c, inputSize: 28)),
        new("lenet5_c5", "LeNet", 32, 32, true, 1, Normalization.Mnist, ["classifier.3.weight", "classifier.3.bias"], (n, c) => LeNet.LeNet5C5(n, c)),
        new("smallcnn", "SmallCnn", 28, 28, true, 1, Normalization.Mnist, Fc, (n, c) => new SmallCnn(n, c, inputSize: 28)),
        new("alexnet", "AlexNet", 224, AlexNet.MinimumSize, false, 3, ImageNet, Classifier6, (n, c) => new AlexNet(n, c)),
        new("vgg11", "VGG", 224, Vgg.MinimumSize, false, 3, ImageNet, Classifier6, (n, c) => Vgg.Vgg11(n, c)),
        new("vgg11_bn", "VGG", 224, Vgg.MinimumSize, false, 3, ImageNet, Classifier6, (n, c) => Vgg.Vgg11(n, c, batchNorm: true)),
        new("vgg13", "VGG", 224, Vgg.MinimumSize, false, 3, ImageNet, Classifier6, (n, c) => Vgg.Vgg13(n, c)),
        new("vgg13_bn", "VGG", 224, Vgg.MinimumSize, false, 3, ImageNet, Classifier6, (n, c) => Vgg.Vgg13(n, c, batchNorm: true)),
        new("vgg16", "VGG", 224, Vgg.MinimumSize, false, 3, ImageNet, Classifier6, (n, c) => Vgg.Vgg16(n, c)),
        new("vgg16_bn", "VGG", 224, Vgg.MinimumSize, false, 3, ImageNet, Classifier6, (n, c) => Vgg.Vgg16(n, c, batchNorm: true)),
        new("vgg19", "VGG", 224, Vgg.MinimumSize, false, 3, ImageNet, Classifier6, (n, c) => Vgg.Vgg19(n, c)),
        new("vgg19_bn", "VGG", 224, Vgg.MinimumSize, false, 3, ImageNet, Classifier6, (n, c) => Vgg.Vgg19(n, c, batchNorm: true)),
        new("nin", "NiN", 224, NiN.MinimumSize, false, 3, ImageNet, ["classifier.0.0.weight", "classifier.0.0.bias", "classifier.0.2.weight", "classifier.0.2.bias", "classifier.0.4.weight", "classifier.0.4.bias"], (n, c) => new NiN(n, c)),
        new("resnet18", "ResNet", 224, ResNet.MinimumSize, false, 3, ImageNet, Fc, (n, c) => ResNet.ResNet18(n, c)),
        new("resnet34", "ResNet", 224, ResNet.MinimumSize, false, 3, ImageNet, Fc, (n, c) => ResNet.ResNet34(n, c)),
        new("resnet50", "ResNet", 224, ResNet.MinimumSize, false, 3, ImageNet, Fc, (n, c) => ResNet.ResNet50(n, c)),
        new("resnet101", "ResNet", 224, ResNet.MinimumSize, false, 3, ImageNet, Fc, (n, c) => ResNet.ResNet101(n, c)),
        new("resnet152", "ResNet", 224, ResNet.MinimumSize, false, 3, ImageNet, Fc, (n, c) => ResNet.ResNet152(n, c)),
        new("resnet18_small", "ResNet", 32, ResNet.MinimumSize, false, 3, Normalization.Cifar10, Fc, (n, c) => ResNet.ResNet18(n, c, smallInput: true)),
        new("resnet50_small", "ResNet", 32, ResNet.MinimumSize, false, 3, Normalization.Cifar10, Fc, (n, c) => ResNet.ResNet50(n, c, smallInput: true)),
        new("resnet20_cifar", "ResNet", 32, ResNet.MinimumSize, false, 3, Normalization.Cifar10, Fc, (n, c) => CifarResNet.ResNet20(n, c)),
        new("resnet56_cifar", "ResNet", 32, ResNet.MinimumSize, false, 3, Normalization.Cifar10, Fc, (n, c) => CifarResNet.ResNet56(n, c)),
        // GoogLeNet and Inception v3 are registered without auxiliary heads (forward returns only the
        // main logits); build them with auxLogits: true and use forward_with_aux for the paper's losses.
        new("googlenet", "GoogLeNet", 224, GoogLeNet.MinimumSize, false, 3, ImageNet, Fc, (n, c) => new GoogLeNet(n, c, auxLogits: false)),
        new("inception_v3", "InceptionV3", 299, InceptionV3.MinimumSize, false, 3, ImageNet, Fc, (n, c) => new InceptionV3(n, c, auxLogits: false)),
        new("densenet121", "DenseNet", 224, DenseNet.MinimumSize, false, 3, ImageNet, DenseClassifier, (n, c) => DenseNet.DenseNet121(n, c)),
        new("densenet169", "DenseNet", 224, DenseNet.MinimumSize, false, 3, ImageNet, DenseClassifier, (n, c) => DenseNet.DenseNet169(n, c)),
        new("densenet201", "DenseNet", 224, DenseNet.MinimumSize, false, 3, ImageNet, DenseClassifier, (n, c) => DenseNet.DenseNet201(n, c)),
        new("densenet264", "DenseNet", 224, DenseNet.MinimumSize, false, 3, ImageNet, DenseClassifier, (n, c) => DenseNet.DenseNet264(n, c)),
        new("densenet_small", "DenseNet", 96, DenseNet.MinimumSize, false, 1, Normalization.Mnist, DenseClassifier, (n, c) => DenseNet.Small(n, c)),
        new("efficientnet_b0", "EfficientNet", 224, EfficientNet.MinimumSize, false, 3, ImageNet, Classifier1, (n, c) => EfficientNet.B0(n, c)),
        new("efficientnet_b1", "EfficientNet", 240, EfficientNet.MinimumSize, false, 3, ImageNet, Classifier1, (n, c) => EfficientNet.B1(n, c)),
        new("efficientnet_b2", "EfficientNet", 288, EfficientNet.MinimumSize, false, 3, ImageNet, Classifier1, (n, c) => EfficientNet.B2(n, c)),
        new("efficientnet_b3", "EfficientNet", 300, EfficientNet.MinimumSize, false, 3, ImageNet, Classifier1, (n, c) => EfficientNet.B3(n, c)),
        new("efficientnet_b4", "EfficientNet", 380, EfficientNet.MinimumSize, false, 3, ImageNet, Classifier1, (n, c) => EfficientNet.B4(n, c)),
        new("efficientnet_b5", "EfficientNet", 456, EfficientNet.MinimumSize, false, 3, ImageNet, Classifier1, (n, c) => EfficientNet.B5(n, c)),
        new("efficientnet_b6", "EfficientNet", 528, EfficientNet.MinimumSize, false, 3, ImageNet, Classifier1, (n, c) => EfficientNet.B6(n, c)),
        new("efficientnet_b7", "EfficientNet", 600, EfficientNet.MinimumSize, false, 3, ImageNet, Classifier1, (n, c) => EfficientNet.B7(n, c)),
    ];

    private static readonly Dictionary<string, ModelInfo> ByName = Table.ToDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every registered name, in table order.</summary>
    public static IReadOnlyList<string> Names { get; } = Table.Select(r => r.Name).ToArray();

    /// <summary>Every registered model's metadata, in table order.</summary>
    public static IReadOnlyList<ModelInfo> Models { get; } = Table;

    /// <summary>The metadata of a registered model (names are case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is not registered; the message lists the registered names.</exception>
    public static ModelInfo Describe(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ByName.TryGetValue(name, out var info)
            ? info
            : throw new ArgumentException($"unknown model '{name}'; registered models: {string.Join(", ", Names)}", nameof(name));
    }

    /// <summary>Creates a freshly initialised network.</summary>
    /// <param name="name">A registered name (see <see cref="Names"/>).</param>
    /// <param name="numClasses">Number of output classes; 1000 (ImageNet) by default.</param>
    /// <param name="inChannels">Input channels; the model's <see cref="ModelInfo.DefaultInChannels"/> by default.</param>
    public static ClassifierNetwork Create(string name, int numClasses = 1000, int? inChannels = null)
    {
        var info = Describe(name);
        return info.Factory(numClasses, inChannels ?? info.DefaultInChannels);
    }
}
