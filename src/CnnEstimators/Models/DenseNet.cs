using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Models;

// Densely connected networks: Huang, Liu, van der Maaten and Weinberger, "Densely Connected
// Convolutional Networks", CVPR 2017 (arXiv:1608.06993). DenseNet-BC of Table 1 (bottleneck
// layers, compression 0.5) in torchvision's layout and state_dict names
// (features.denseblock1.denselayer1.norm1, features.transition1.conv, classifier); the small
// DenseNet (Dive into Deep Learning, section 8.7) uses plain BN-ReLU-3x3 layers.

/// <summary>
/// One layer of a dense block: BN-ReLU-1x1 conv to <c>bnSize x growthRate</c> channels (the
/// bottleneck, omitted when bnSize is 0), then BN-ReLU-3x3 conv to <c>growthRate</c> channels.
/// Its input is the concatenation of every earlier feature map of the block.
/// </summary>
public sealed class DenseLayer : nn.Module<Tensor, Tensor>
{
    private readonly BatchNorm2d norm1;
    private readonly ReLU relu1;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d? norm2;
    private readonly ReLU? relu2;
    private readonly Conv2d? conv2;
    private readonly double dropRate;

    /// <summary>Creates the layer.</summary>
    /// <param name="inChannels">Channels of the concatenated input.</param>
    /// <param name="growthRate">Channels this layer adds (k in the paper).</param>
    /// <param name="bnSize">Bottleneck width as a multiple of <paramref name="growthRate"/>; 0 for no bottleneck.</param>
    /// <param name="dropRate">Dropout after the layer in training.</param>
    public DenseLayer(long inChannels, long growthRate, int bnSize, double dropRate) : base(nameof(DenseLayer))
    {
        norm1 = nn.BatchNorm2d(inChannels);
        relu1 = nn.ReLU(inplace: true);
        if (bnSize > 0)
        {
            conv1 = nn.Conv2d(inChannels, bnSize * growthRate, 1, bias: false);
            norm2 = nn.BatchNorm2d(bnSize * growthRate);
            relu2 = nn.ReLU(inplace: true);
            conv2 = nn.Conv2d(bnSize * growthRate, growthRate, 3, padding: 1, bias: false);
        }
        else
        {
            conv1 = nn.Conv2d(inChannels, growthRate, 3, padding: 1, bias: false);
        }
        this.dropRate = dropRate;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = conv1.call(relu1.call(norm1.call(input)));
        if (conv2 is not null) x = conv2.call(relu2!.call(norm2!.call(x)));
        if (dropRate > 0) x = F.dropout(x, dropRate, training);
        return scope.MoveToOuter(x);
    }
}

/// <summary>A dense block: layers <c>denselayer1..n</c>, each fed the concatenation of the block input and all earlier outputs.</summary>
public sealed class DenseBlock : nn.Module<Tensor, Tensor>
{
    private readonly List<DenseLayer> layers = new();

    /// <summary>Creates the block; output channels are <paramref name="inChannels"/> + <paramref name="numLayers"/> x <paramref name="growthRate"/>.</summary>
    public DenseBlock(int numLayers, long inChannels, long growthRate, int bnSize, double dropRate) : base(nameof(DenseBlock))
    {
        for (int i = 0; i < numLayers; i++)
        {
            var layer = new DenseLayer(inChannels + i * growthRate, growthRate, bnSize, dropRate);
            layers.Add(layer);
            register_module($"denselayer{i + 1}", layer);
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var features = new List<Tensor> { input };
        foreach (var layer in layers)
        {
            using var concatenated = cat(features, 1);
            features.Add(layer.call(concatenated));
        }
        return scope.MoveToOuter(cat(features, 1));
    }
}

/// <summary>A DenseNet configuration (paper, Table 1).</summary>
/// <param name="Name">Name, e.g. "DenseNet-121".</param>
/// <param name="GrowthRate">Channels added by every dense layer (k).</param>
/// <param name="BlockConfig">Layers in each dense block.</param>
/// <param name="NumInitFeatures">Channels of the stem convolution.</param>
/// <param name="BnSize">Bottleneck width as a multiple of the growth rate (4 in DenseNet-BC); 0 for plain BN-ReLU-3x3 layers.</param>
public sealed record DenseNetConfig(string Name, int GrowthRate, int[] BlockConfig, int NumInitFeatures = 64, int BnSize = 4);

/// <summary>
/// DenseNet in torchvision's layout: <c>features</c> (stem conv0/norm0/relu0/pool0, then
/// denseblock1, transition1, ..., denseblock4, norm5) and a linear <c>classifier</c>. Transitions
/// halve the channels (BN-ReLU-1x1 conv) and the resolution (2x2 average pool). DenseNet-121/169/201
/// have 7,978,856 / 14,149,480 / 20,013,928 parameters at 1000 classes. Needs at least 29x29 input.
/// </summary>
public sealed class DenseNet : ClassifierNetwork
{
    /// <summary>Smallest input height and width: the third transition's 2x2 pool needs a 2x2 map.</summary>
    public const int MinimumSize = 29;

    /// <summary>Table 1 of the paper (growth rate 32), plus the small network of four 4-layer blocks.</summary>
    public static IReadOnlyList<DenseNetConfig> Configs { get; } =
    [
        new("DenseNet-121", 32, [6, 12, 24, 16]),
        new("DenseNet-169", 32, [6, 12, 32, 32]),
        new("DenseNet-201", 32, [6, 12, 48, 32]),
        new("DenseNet-264", 32, [6, 12, 64, 48]),
        new("DenseNet-Small", 32, [4, 4, 4, 4], BnSize: 0),
    ];

    private readonly Sequential featureLayers;
    private Linear classifier;

    /// <summary>Creates a DenseNet from a configuration.</summary>
    /// <param name="config">Growth rate, layers per block, stem width and bottleneck size.</param>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="dropRate">Dropout after every dense layer in training (torchvision: 0).</param>
    public DenseNet(DenseNetConfig config, int numClasses = 1000, int inChannels = 3, double dropRate = 0)
        : base(config?.Name ?? "DenseNet", numClasses, inChannels, MinimumSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.BlockConfig.Length == 0) throw new ArgumentException("a DenseNet needs at least one dense block", nameof(config));
        if (config.GrowthRate < 1 || config.NumInitFeatures < 1 || config.BnSize < 0)
            throw new ArgumentException($"invalid DenseNet configuration {config}", nameof(config));
        Config = config;
        featureLayers = nn.Sequential(
            ("conv0", nn.Conv2d(inChannels, config.NumInitFeatures, 7, stride: 2, padding: 3, bias: false)),
            ("norm0", nn.BatchNorm2d(config.NumInitFeatures)),
            ("relu0", nn.ReLU(inplace: true)),
            ("pool0", nn.MaxPool2d(3, stride: 2, padding: 1)));
        long channels = config.NumInitFeatures;
        for (int i = 0; i < config.BlockConfig.Length; i++)
        {
            featureLayers.append($"denseblock{i + 1}", new DenseBlock(config.BlockConfig[i], channels, config.GrowthRate, config.BnSize, dropRate));
            channels += config.BlockConfig[i] * config.GrowthRate;
            if (i == config.BlockConfig.Length - 1) break;
            featureLayers.append($"transition{i + 1}", nn.Sequential(
                ("norm", nn.BatchNorm2d(channels)),
                ("relu", nn.ReLU(inplace: true)),
                ("conv", nn.Conv2d(channels, channels / 2, 1, bias: false)),
                ("pool", nn.AvgPool2d(2, stride: 2))));
            channels /= 2;
        }
        featureLayers.append("norm5", nn.BatchNorm2d(channels));
        classifier = nn.Linear(channels, numClasses);
        register_module("features", featureLayers);
        register_module(nameof(classifier), classifier);
        InitWeights();
    }

    /// <summary>The configuration this network was built from.</summary>
    public DenseNetConfig Config { get; }

    /// <inheritdoc />
    public override string ClassifierName => "classifier";

    /// <summary>torchvision's initialisation: Kaiming normal (fan_in) convolutions (He et al. 2015), batch norm 1 and 0, linear bias 0.</summary>
    private void InitWeights()
    {
        foreach (var (_, m) in named_modules())
        {
            switch (m)
            {
                case Conv2d conv: nn.init.kaiming_normal_(conv.weight); break;
                case BatchNorm2d { weight: { } w, bias: { } b }:
                    nn.init.constant_(w, 1);
                    nn.init.constant_(b, 0);
                    break;
                case Linear { bias: { } bias }: nn.init.constant_(bias, 0); break;
            }
        }
    }

    /// <summary>The stem, dense blocks, transitions and final batch norm (before the last ReLU).</summary>
    public override Tensor features(Tensor input) => featureLayers.call(input);

    /// <inheritdoc />
    public override Tensor head(Tensor features)
    {
        using var scope = NewDisposeScope();
        var pooled = F.adaptive_avg_pool2d(F.relu(features), new long[] { 1, 1 }).flatten(1);
        return scope.MoveToOuter(classifier.call(pooled));
    }

    /// <inheritdoc />
    public override void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        classifier = Replace("classifier", classifier, nn.Linear(classifier.in_features, numClasses));
        NumClasses = numClasses;
    }

    /// <summary>DenseNet-121: 7,978,856 parameters at 1000 classes.</summary>
    public static DenseNet DenseNet121(int numClasses = 1000, int inChannels = 3, int growthRate = 32, int bnSize = 4, double dropRate = 0) =>
        new(Configs[0] with { GrowthRate = growthRate, BnSize = bnSize }, numClasses, inChannels, dropRate);

    /// <summary>DenseNet-169: 14,149,480 parameters at 1000 classes.</summary>
    public static DenseNet DenseNet169(int numClasses = 1000, int inChannels = 3, int growthRate = 32, int bnSize = 4, double dropRate = 0) =>
        new(Configs[1] with { GrowthRate = growthRate, BnSize = bnSize }, numClasses, inChannels, dropRate);

    /// <summary>DenseNet-201: 20,013,928 parameters at 1000 classes.</summary>
    public static DenseNet DenseNet201(int numClasses = 1000, int inChannels = 3, int growthRate = 32, int bnSize = 4, double dropRate = 0) =>
        new(Configs[2] with { GrowthRate = growthRate, BnSize = bnSize }, numClasses, inChannels, dropRate);

    /// <summary>DenseNet-264 (not in torchvision; same layout): 33,337,704 parameters at 1000 classes.</summary>
    public static DenseNet DenseNet264(int numClasses = 1000, int inChannels = 3, int growthRate = 32, int bnSize = 4, double dropRate = 0) =>
        new(Configs[3] with { GrowthRate = growthRate, BnSize = bnSize }, numClasses, inChannels, dropRate);

    /// <summary>
    /// The small DenseNet: the same stem, four dense blocks of four BN-ReLU-3x3 layers with growth
    /// rate 32, transitions halving the channels (64 → 192 → 96 → 224 → 112 → 240 → 120 → 248).
    /// </summary>
    public static DenseNet Small(int numClasses = 10, int inChannels = 1, int growthRate = 32, double dropRate = 0) =>
        new(Configs[4] with { GrowthRate = growthRate }, numClasses, inChannels, dropRate);
}
