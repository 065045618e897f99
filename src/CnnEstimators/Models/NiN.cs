using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models;

// Network in Network: Lin, Chen and Yan, "Network In Network", ICLR 2014 (arXiv:1312.4400):
// mlpconv blocks (a convolution followed by two 1x1 convolutions) and global average pooling
// instead of dense layers.

/// <summary>One mlpconv block: a k x k convolution then two 1x1 convolutions, each followed by ReLU.</summary>
/// <param name="Channels">Output channels of all three convolutions.</param>
/// <param name="KernelSize">Side of the first convolution.</param>
/// <param name="Stride">Stride of the first convolution.</param>
/// <param name="Padding">Padding of the first convolution.</param>
public sealed record MlpConvBlock(int Channels, int KernelSize, int Stride, int Padding);

/// <summary>
/// NiN: three mlpconv blocks (96, 256, 384 channels) each followed by a 3x3/2 max-pool, dropout, and a
/// final mlpconv with one channel per class averaged globally (the classifier, <c>classifier.0</c>).
/// Needs at least 67x67 input.
/// </summary>
public sealed class NiN : ClassifierNetwork
{
    /// <summary>Smallest input height and width: the 11x11/4 stem and three 3x3/2 pools.</summary>
    public const int MinimumSize = 67;

    /// <summary>The feature blocks (the AlexNet-sized configuration).</summary>
    public static IReadOnlyList<MlpConvBlock> Blocks { get; } = [new(96, 11, 4, 0), new(256, 5, 1, 2), new(384, 3, 1, 1)];

    private readonly Sequential features_;
    private readonly Sequential classifier;

    /// <summary>Creates NiN.</summary>
    /// <param name="numClasses">Output classes (channels of the last mlpconv).</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="dropout">Dropout probability before the last mlpconv.</param>
    public NiN(int numClasses = 1000, int inChannels = 3, double dropout = 0.5) : base("NiN", numClasses, inChannels, MinimumSize)
    {
        features_ = nn.Sequential();
        long channels = inChannels;
        foreach (var block in Blocks)
        {
            features_.append(MlpConv(channels, block)).append(nn.MaxPool2d(3, stride: 2));
            channels = block.Channels;
        }
        features_.append(nn.Dropout(dropout));
        LastChannels = channels;
        classifier = nn.Sequential(MlpConv(channels, new(numClasses, 3, 1, 1)), nn.AdaptiveAvgPool2d(1), nn.Flatten());
        register_module("features", features_);
        register_module("classifier", classifier);
        foreach (var (_, m) in named_modules())
            if (m is Conv2d conv) nn.init.kaiming_normal_(conv.weight, mode: nn.FanInOut.FanOut, nonlinearity: nn.NonlinearityType.ReLU);
    }

    private long LastChannels { get; }

    /// <summary>Builds one mlpconv block as a <see cref="Sequential"/> (conv, ReLU, 1x1, ReLU, 1x1, ReLU).</summary>
    public static Sequential MlpConv(long inChannels, MlpConvBlock block) => nn.Sequential(
        nn.Conv2d(inChannels, block.Channels, block.KernelSize, stride: block.Stride, padding: block.Padding), nn.ReLU(inplace: true),
        nn.Conv2d(block.Channels, block.Channels, 1), nn.ReLU(inplace: true),
        nn.Conv2d(block.Channels, block.Channels, 1), nn.ReLU(inplace: true));

    /// <inheritdoc />
    public override string ClassifierName => "classifier.0";

    /// <inheritdoc />
    public override Tensor features(Tensor input) => features_.call(input);

    /// <inheritdoc />
    public override Tensor head(Tensor features) => classifier.call(features);

    /// <inheritdoc />
    public override void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        var old = classifier[0];
        var fresh = MlpConv(LastChannels, new(numClasses, 3, 1, 1));
        foreach (var (_, m) in fresh.named_modules())
            if (m is Conv2d conv) nn.init.kaiming_normal_(conv.weight, mode: nn.FanInOut.FanOut, nonlinearity: nn.NonlinearityType.ReLU);
        classifier[0] = fresh;
        old.Dispose();
        NumClasses = numClasses;
    }
}
