using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models;

// VGG: Simonyan and Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition",
// ICLR 2015 (arXiv:1409.1556); configurations A, B, D, E of Table 1, in torchvision's layout.

/// <summary>One VGG block: <paramref name="Convs"/> 3x3 convolutions of <paramref name="Channels"/> channels, then a 2x2 max-pool.</summary>
public sealed record VggBlock(int Convs, int Channels);

/// <summary>A named VGG configuration (paper, Table 1).</summary>
/// <param name="Depth">Weighted layers (11, 13, 16, 19).</param>
/// <param name="Blocks">The convolution blocks.</param>
public sealed record VggConfig(int Depth, VggBlock[] Blocks);

/// <summary>
/// VGG in torchvision's layout and state_dict names (<c>features.N</c>, <c>classifier.0/3/6</c>),
/// optionally with batch norm after every convolution, or built from any list of blocks. Needs at
/// least 2^blocks pixels (32x32 for the standard five blocks).
/// </summary>
public sealed class Vgg : ClassifierNetwork
{
    /// <summary>Smallest input of the five-block configurations.</summary>
    public const int MinimumSize = 32;

    /// <summary>Configurations A (11), B (13), D (16) and E (19).</summary>
    public static IReadOnlyList<VggConfig> Configs { get; } =
    [
        new(11, [new(1, 64), new(1, 128), new(2, 256), new(2, 512), new(2, 512)]),
        new(13, [new(2, 64), new(2, 128), new(2, 256), new(2, 512), new(2, 512)]),
        new(16, [new(2, 64), new(2, 128), new(3, 256), new(3, 512), new(3, 512)]),
        new(19, [new(2, 64), new(2, 128), new(4, 256), new(4, 512), new(4, 512)]),
    ];

    private readonly Sequential features_;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    /// <summary>Creates a VGG from any list of blocks.</summary>
    /// <param name="blocks">Convolution blocks, each ending with a 2x2 max-pool.</param>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="batchNorm">Add batch norm after each convolution.</param>
    /// <param name="hiddenUnits">Width of the two hidden dense layers (4096 in the paper).</param>
    /// <param name="poolSize">Side of the adaptive average pool before the dense layers (7 in torchvision).</param>
    /// <param name="dropout">Dropout probability after the hidden dense layers.</param>
    /// <param name="name">Display name; derived from the block count by default.</param>
    public Vgg(IReadOnlyList<VggBlock> blocks, int numClasses = 1000, int inChannels = 3, bool batchNorm = false,
        int hiddenUnits = 4096, int poolSize = 7, double dropout = 0.5, string? name = null)
        : base(name ?? DefaultName(blocks, batchNorm), numClasses, inChannels, MinimumFor(blocks))
    {
        if (blocks.Any(b => b.Convs < 1 || b.Channels < 1)) throw new ArgumentException("every VGG block needs at least one convolution and one channel", nameof(blocks));
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenUnits, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(poolSize, 1);
        Blocks = blocks.ToArray();
        features_ = nn.Sequential();
        long channels = inChannels;
        foreach (var block in blocks)
        {
            for (int i = 0; i < block.Convs; i++)
            {
                features_.append(nn.Conv2d(channels, block.Channels, 3, padding: 1));
                if (batchNorm) features_.append(nn.BatchNorm2d(block.Channels));
                features_.append(nn.ReLU(inplace: true));
                channels = block.Channels;
            }
            features_.append(nn.MaxPool2d(2, stride: 2));
        }
        avgpool = nn.AdaptiveAvgPool2d(poolSize);
        classifier = nn.Sequential(
            nn.Linear(channels * poolSize * poolSize, hiddenUnits), nn.ReLU(inplace: true), nn.Dropout(dropout),
            nn.Linear(hiddenUnits, hiddenUnits), nn.ReLU(inplace: true), nn.Dropout(dropout),
            nn.Linear(hiddenUnits, numClasses));
        register_module("features", features_);
        register_module("avgpool", avgpool);
        register_module("classifier", classifier);
        InitWeights(this);
    }

    /// <summary>Creates a VGG from a named configuration.</summary>
    public Vgg(VggConfig config, int numClasses = 1000, int inChannels = 3, bool batchNorm = false)
        : this(config.Blocks, numClasses, inChannels, batchNorm, name: $"VGG-{config.Depth}{(batchNorm ? " BN" : "")}") { }

    private static string DefaultName(IReadOnlyList<VggBlock> blocks, bool batchNorm) =>
        $"VGG-{blocks.Sum(b => b.Convs) + 3}{(batchNorm ? " BN" : "")}";

    private static int MinimumFor(IReadOnlyList<VggBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count is < 1 or > 20) throw new ArgumentException($"VGG needs 1 to 20 blocks, got {blocks.Count}", nameof(blocks));
        return 1 << blocks.Count;
    }

    /// <summary>The blocks this network was built from.</summary>
    public IReadOnlyList<VggBlock> Blocks { get; }

    /// <inheritdoc />
    public override string ClassifierName => "classifier.6";

    /// <summary>torchvision's initialisation: Kaiming normal (fan_out, ReLU) convolutions with zero bias, BN 1/0, dense N(0, 0.01) with zero bias.</summary>
    private static void InitWeights(nn.Module model)
    {
        foreach (var (_, m) in model.named_modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.FanInOut.FanOut, nonlinearity: nn.NonlinearityType.ReLU);
                    if (conv.bias is not null) nn.init.constant_(conv.bias, 0);
                    break;
                case BatchNorm2d { weight: { } w, bias: { } b }:
                    nn.init.constant_(w, 1);
                    nn.init.constant_(b, 0);
                    break;
                case Linear linear:
                    nn.init.normal_(linear.weight, 0, 0.01);
                    if (linear.bias is not null) nn.init.constant_(linear.bias, 0);
                    break;
            }
        }
    }

    /// <inheritdoc />
    public override Tensor features(Tensor input) => features_.call(input);

    /// <inheritdoc />
    public override Tensor head(Tensor features)
    {
        using var pooled = avgpool.call(features);
        using var flat = pooled.flatten(1);
        return classifier.call(flat);
    }

    /// <inheritdoc />
    public override void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        var old = (Linear)classifier[6];
        var fresh = nn.Linear(old.in_features, numClasses);
        nn.init.normal_(fresh.weight, 0, 0.01);
        nn.init.constant_(fresh.bias!, 0);
        classifier[6] = fresh;
        old.Dispose();
        NumClasses = numClasses;
    }

    /// <summary>VGG-11 (configuration A): 132,863,336 parameters, 132,868,840 with batch norm.</summary>
    public static Vgg Vgg11(int numClasses = 1000, int inChannels = 3, bool batchNorm = false) => new(Configs[0], numClasses, inChannels, batchNorm);

    /// <summary>VGG-13 (configuration B): 133,047,848 parameters, 133,053,736 with batch norm.</summary>
    public static Vgg Vgg13(int numClasses = 1000, int inChannels = 3, bool batchNorm = false) => new(Configs[1], numClasses, inChannels, batchNorm);

    /// <summary>VGG-16 (configuration D): 138,357,544 parameters, 138,365,992 with batch norm.</summary>
    public static Vgg Vgg16(int numClasses = 1000, int inChannels = 3, bool batchNorm = false) => new(Configs[2], numClasses, inChannels, batchNorm);

    /// <summary>VGG-19 (configuration E): 143,667,240 parameters, 143,678,248 with batch norm.</summary>
    public static Vgg Vgg19(int numClasses = 1000, int inChannels = 3, bool batchNorm = false) => new(Configs[3], numClasses, inChannels, batchNorm);
}
