using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models;

// A minimal modern CNN (the PyTorch tutorials' MNIST network): two conv-BN-ReLU-pool stages,
// batch normalization after Ioffe and Szegedy, "Batch Normalization", ICML 2015 (arXiv:1502.03167).

/// <summary>
/// Two stages of 5x5 convolution (16 then 32 channels, padding 2), batch norm, ReLU and 2x2
/// max-pooling, then one linear layer. The linear layer fixes the input size (28x28 by default;
/// any multiple of 4).
/// </summary>
public sealed class SmallCnn : ClassifierNetwork
{
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private Linear fc;
    private readonly int inputSize;

    /// <summary>Creates the network for square images of <paramref name="inputSize"/> pixels.</summary>
    public SmallCnn(int numClasses = 10, int inChannels = 1, int inputSize = 28) : base("SmallCnn", numClasses, inChannels, inputSize)
    {
        if (inputSize < 4 || inputSize % 4 != 0)
            throw new ArgumentException($"SmallCnn needs an input size that is a positive multiple of 4, got {inputSize}", nameof(inputSize));
        this.inputSize = inputSize;
        layer1 = nn.Sequential(nn.Conv2d(inChannels, 16, 5, padding: 2), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2));
        layer2 = nn.Sequential(nn.Conv2d(16, 32, 5, padding: 2), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2));
        var side = inputSize / 4;
        fc = nn.Linear(32 * side * side, numClasses);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override int? RequiredInputSize => inputSize;

    /// <inheritdoc />
    public override string ClassifierName => "fc";

    /// <inheritdoc />
    public override Tensor features(Tensor input)
    {
        using var x = layer1.call(input);
        return layer2.call(x);
    }

    /// <inheritdoc />
    public override Tensor head(Tensor features)
    {
        using var flat = features.flatten(1);
        return fc.call(flat);
    }

    /// <inheritdoc />
    public override void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        fc = Replace("fc", fc, nn.Linear(fc.in_features, numClasses));
        NumClasses = numClasses;
    }
}
