using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models;

// Deep residual networks: He, Zhang, Ren and Sun, "Deep Residual Learning for Image Recognition",
// CVPR 2016 (arXiv:1512.03385). ImageNet depths follow Table 1, in torchvision's layout (stride on
// the 3x3 convolution of the bottleneck, "ResNet v1.5"); the CIFAR networks follow section 4.2.

/// <summary>A residual block: what <see cref="ResNet"/> stacks into stages.</summary>
public abstract class ResidualBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the block with a type name.</summary>
    protected ResidualBlock(string name) : base(name) { }

    /// <summary>The last batch norm of the residual branch, zeroed by <c>zeroInitResidual</c>.</summary>
    public abstract BatchNorm2d LastNorm { get; }
}

/// <summary>Two 3x3 convolutions with a shortcut (ResNet-18/34): output channels = planes.</summary>
public sealed class BasicBlock : ResidualBlock
{
    /// <summary>Output channels per input "plane".</summary>
    public const int Expansion = 1;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly nn.Module<Tensor, Tensor>? downsample;

    /// <summary>Creates the block; <paramref name="downsample"/> maps the shortcut when the shape changes.</summary>
    public BasicBlock(long inplanes, long planes, long stride = 1, nn.Module<Tensor, Tensor>? downsample = null) : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inplanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        relu = nn.ReLU(inplace: true);
        conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override BatchNorm2d LastNorm => bn2;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = relu.call(bn1.call(conv1.call(input)));
        x = bn2.call(conv2.call(x));
        var shortcut = downsample?.call(input) ?? input;
        // In place, as torchvision's "out += identity": no third feature map alive at the block's end
        // (batch norm's backward does not need its output). The result moves out of the scope.
        x.add_(shortcut);
        return scope.MoveToOuter(relu.call(x));
    }
}

/// <summary>1x1 reduce, 3x3 (strided), 1x1 expand, with a shortcut (ResNet-50/101/152): output channels = 4 x planes.</summary>
public sealed class Bottleneck : ResidualBlock
{
    /// <summary>Output channels per input "plane".</summary>
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu;
    private readonly Sequential? downsample;

    /// <summary>Creates the block; <paramref name="downsample"/> projects the shortcut when shape changes.</summary>
    public Bottleneck(long inplanes, long planes, long stride = 1, Sequential? downsample = null) : base(nameof(Bottleneck))
    {
        conv1 = nn.Conv2d(inplanes, planes, 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = nn.BatchNorm2d(planes * Expansion);
        relu = nn.ReLU(inplace: true);
        this.downsample = downsample;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override BatchNorm2d LastNorm => bn3;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = relu.call(bn1.call(conv1.call(input)));
        x = relu.call(bn2.call(conv2.call(x)));
        x = bn3.call(conv3.call(x));
        var shortcut = downsample?.call(input) ?? input;
        x.add_(shortcut);
        return scope.MoveToOuter(relu.call(x));
    }
}

/// <summary>Which block a ResNet stacks.</summary>
public enum ResNetBlockKind
{
    /// <summary><see cref="BasicBlock"/>: two 3x3 convolutions.</summary>
    Basic,

    /// <summary><see cref="Bottleneck"/>: 1x1, 3x3, 1x1.</summary>
    Bottleneck,
}

/// <summary>A ResNet configuration: the block and the number of blocks per stage (paper, Table 1).</summary>
/// <param name="Depth">Number of weighted layers, as in the name (18, 34, 50, 101, 152).</param>
/// <param name="Block">Block type.</param>
/// <param name="Layers">Blocks in each of the four stages (64, 128, 256, 512 planes).</param>
public sealed record ResNetConfig(int Depth, ResNetBlockKind Block, int[] Layers);

/// <summary>
/// ImageNet ResNet in torchvision's layout and state_dict names (<c>conv1</c>, <c>bn1</c>,
/// <c>layer1.0.conv1</c>, <c>layer2.0.downsample.0</c>, <c>fc</c>). Accepts any input from 1x1 up
/// (global average pooling); <c>smallInput</c> replaces the 7x7/2 stem and max-pool with a 3x3/1
/// convolution for 28x28 and 32x32 images.
/// </summary>
public sealed class ResNet : ClassifierNetwork
{
    /// <summary>Smallest input height and width: every stride-2 layer pads, so 1x1 still gives a 1x1 feature map.</summary>
    public const int MinimumSize = 1;

    /// <summary>Table 1 of the paper.</summary>
    public static IReadOnlyList<ResNetConfig> Configs { get; } =
    [
        new(18, ResNetBlockKind.Basic, [2, 2, 2, 2]),
        new(34, ResNetBlockKind.Basic, [3, 4, 6, 3]),
        new(50, ResNetBlockKind.Bottleneck, [3, 4, 6, 3]),
        new(101, ResNetBlockKind.Bottleneck, [3, 4, 23, 3]),
        new(152, ResNetBlockKind.Bottleneck, [3, 8, 36, 3]),
    ];

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly nn.Module<Tensor, Tensor> maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private Linear fc;
    private long inplanes = 64;

    /// <summary>Creates a ResNet from a configuration.</summary>
    /// <param name="config">Block type and blocks per stage.</param>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="zeroInitResidual">Zero the last batch norm of every residual branch, so each block starts as the identity (Goyal et al. 2017).</param>
    /// <param name="smallInput">Use a 3x3 stride-1 stem without max-pool (for 28x28 / 32x32 images); same state_dict keys, conv1 is 3x3.</param>
    public ResNet(ResNetConfig config, int numClasses = 1000, int inChannels = 3, bool zeroInitResidual = false, bool smallInput = false)
        : base($"ResNet-{config.Depth}", numClasses, inChannels, MinimumSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Layers.Length != 4) throw new ArgumentException($"a ResNet has four stages, got {config.Layers.Length}", nameof(config));
        Config = config;
        conv1 = smallInput
            ? nn.Conv2d(inChannels, 64, 3, stride: 1, padding: 1, bias: false)
            : nn.Conv2d(inChannels, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        relu = nn.ReLU(inplace: true);
        maxpool = smallInput ? nn.Identity() : nn.MaxPool2d(3, stride: 2, padding: 1);
        layer1 = MakeLayer(config.Block, 64, config.Layers[0], 1);
        layer2 = MakeLayer(config.Block, 128, config.Layers[1], 2);
        layer3 = MakeLayer(config.Block, 256, config.Layers[2], 2);
        layer4 = MakeLayer(config.Block, 512, config.Layers[3], 2);
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc = nn.Linear(512 * ExpansionOf(config.Block), numClasses);
        RegisterComponents();
        InitWeights(this, zeroInitResidual);
    }

    /// <summary>The configuration this network was built from.</summary>
    public ResNetConfig Config { get; }

    /// <inheritdoc />
    public override string ClassifierName => "fc";

    private static int ExpansionOf(ResNetBlockKind kind) => kind == ResNetBlockKind.Basic ? BasicBlock.Expansion : Bottleneck.Expansion;

    private Sequential MakeLayer(ResNetBlockKind kind, long planes, int blocks, long stride)
    {
        var expansion = ExpansionOf(kind);
        Sequential? downsample = null;
        if (stride != 1 || inplanes != planes * expansion)
            downsample = nn.Sequential(nn.Conv2d(inplanes, planes * expansion, 1, stride: stride, bias: false), nn.BatchNorm2d(planes * expansion));
        var layer = nn.Sequential();
        for (int i = 0; i < blocks; i++)
        {
            layer.append(kind == ResNetBlockKind.Basic
                ? new BasicBlock(inplanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null)
                : new Bottleneck(inplanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null));
            inplanes = planes * expansion;
        }
        return layer;
    }

    /// <summary>
    /// torchvision's initialisation: Kaiming normal (fan_out, ReLU) for convolutions (He et al. 2015),
    /// batch norm weight 1 and bias 0, and optionally the last norm of each residual branch zeroed.
    /// </summary>
    internal static void InitWeights(nn.Module model, bool zeroInitResidual)
    {
        foreach (var (_, m) in model.named_modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.FanInOut.FanOut, nonlinearity: nn.NonlinearityType.ReLU);
                    break;
                case BatchNorm2d bn when bn.weight is not null && bn.bias is not null:
                    nn.init.constant_(bn.weight, 1);
                    nn.init.constant_(bn.bias, 0);
                    break;
            }
        }
        if (!zeroInitResidual) return;
        foreach (var (_, m) in model.named_modules())
            if (m is ResidualBlock { LastNorm.weight: { } w }) nn.init.constant_(w, 0);
    }

    /// <inheritdoc />
    public override Tensor features(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = maxpool.call(relu.call(bn1.call(conv1.call(input))));
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        return scope.MoveToOuter(x);
    }

    /// <inheritdoc />
    public override Tensor head(Tensor features)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(fc.call(avgpool.call(features).flatten(1)));
    }

    /// <inheritdoc />
    public override void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        fc = Replace("fc", fc, nn.Linear(fc.in_features, numClasses));
        NumClasses = numClasses;
    }

    /// <summary>ResNet-18: 11,689,512 parameters at 1000 classes.</summary>
    public static ResNet ResNet18(int numClasses = 1000, int inChannels = 3, bool zeroInitResidual = false, bool smallInput = false) =>
        new(Configs[0], numClasses, inChannels, zeroInitResidual, smallInput);

    /// <summary>ResNet-34: 21,797,672 parameters at 1000 classes.</summary>
    public static ResNet ResNet34(int numClasses = 1000, int inChannels = 3, bool zeroInitResidual = false, bool smallInput = false) =>
        new(Configs[1], numClasses, inChannels, zeroInitResidual, smallInput);

    /// <summary>ResNet-50: 25,557,032 parameters at 1000 classes.</summary>
    public static ResNet ResNet50(int numClasses = 1000, int inChannels = 3, bool zeroInitResidual = false, bool smallInput = false) =>
        new(Configs[2], numClasses, inChannels, zeroInitResidual, smallInput);

    /// <summary>ResNet-101: 44,549,160 parameters at 1000 classes.</summary>
    public static ResNet ResNet101(int numClasses = 1000, int inChannels = 3, bool zeroInitResidual = false, bool smallInput = false) =>
        new(Configs[3], numClasses, inChannels, zeroInitResidual, smallInput);

    /// <summary>ResNet-152: 60,192,808 parameters at 1000 classes.</summary>
    public static ResNet ResNet152(int numClasses = 1000, int inChannels = 3, bool zeroInitResidual = false, bool smallInput = false) =>
        new(Configs[4], numClasses, inChannels, zeroInitResidual, smallInput);
}

/// <summary>
/// The parameter-free shortcut of the CIFAR ResNets (paper section 4.2, option A): subsample by the
/// stride and pad the new channels with zeros.
/// </summary>
public sealed class ZeroPadShortcut : nn.Module<Tensor, Tensor>
{
    private readonly long stride;
    private readonly long extraChannels;

    /// <summary>Creates the shortcut for a block going from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    public ZeroPadShortcut(long inChannels, long outChannels, long stride) : base(nameof(ZeroPadShortcut))
    {
        if (outChannels < inChannels) throw new ArgumentException($"the zero-padding shortcut cannot reduce channels ({inChannels} -> {outChannels})", nameof(outChannels));
        this.stride = stride;
        extraChannels = outChannels - inChannels;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = stride == 1 ? input : input.slice(2, 0, input.size(2), stride).slice(3, 0, input.size(3), stride);
        var before = extraChannels / 2;
        x = nn.functional.pad(x, [0, 0, 0, 0, before, extraChannels - before]);
        return scope.MoveToOuter(x);
    }
}

/// <summary>A CIFAR ResNet configuration: 6n+2 layers (paper section 4.2).</summary>
/// <param name="Depth">Weighted layers: 20, 32, 44, 56, 110.</param>
/// <param name="BlocksPerStage">n: basic blocks in each of the three stages (16, 32, 64 channels).</param>
public sealed record CifarResNetConfig(int Depth, int BlocksPerStage);

/// <summary>
/// The CIFAR-10 ResNet of the paper (section 4.2): a 3x3 convolution with 16 channels, three stages
/// of basic blocks with 16, 32 and 64 channels (the 2nd and 3rd halving the size, shortcuts zero-padded),
/// global average pooling (the 8x8 pool at 32x32 input) and a linear layer. ResNet-20 has 269,722
/// parameters at 10 classes.
/// </summary>
public sealed class CifarResNet : ClassifierNetwork
{
    /// <summary>Configurations of the paper's Table 6.</summary>
    public static IReadOnlyList<CifarResNetConfig> Configs { get; } =
        [new(20, 3), new(32, 5), new(44, 7), new(56, 9), new(110, 18)];

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly AdaptiveAvgPool2d avgpool;
    private Linear fc;

    /// <summary>Creates a CIFAR ResNet with 6n+2 layers.</summary>
    public CifarResNet(CifarResNetConfig config, int numClasses = 10, int inChannels = 3, bool zeroInitResidual = false)
        : base($"ResNet-{config.Depth} (CIFAR)", numClasses, inChannels, ResNet.MinimumSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        conv1 = nn.Conv2d(inChannels, 16, 3, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(16);
        relu = nn.ReLU(inplace: true);
        layer1 = Stage(16, 16, config.BlocksPerStage, 1);
        layer2 = Stage(16, 32, config.BlocksPerStage, 2);
        layer3 = Stage(32, 64, config.BlocksPerStage, 2);
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc = nn.Linear(64, numClasses);
        RegisterComponents();
        ResNet.InitWeights(this, zeroInitResidual);
    }

    /// <summary>The configuration this network was built from.</summary>
    public CifarResNetConfig Config { get; }

    /// <inheritdoc />
    public override string ClassifierName => "fc";

    private static Sequential Stage(long inChannels, long channels, int blocks, long stride)
    {
        var stage = nn.Sequential();
        for (int i = 0; i < blocks; i++)
        {
            var first = i == 0 && (stride != 1 || inChannels != channels);
            stage.append(new BasicBlock(i == 0 ? inChannels : channels, channels, i == 0 ? stride : 1, first ? new ZeroPadShortcut(inChannels, channels, stride) : null));
        }
        return stage;
    }

    /// <inheritdoc />
    public override Tensor features(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = relu.call(bn1.call(conv1.call(input)));
        return scope.MoveToOuter(layer3.call(layer2.call(layer1.call(x))));
    }

    /// <inheritdoc />
    public override Tensor head(Tensor features)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(fc.call(avgpool.call(features).flatten(1)));
    }

    /// <inheritdoc />
    public override void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        fc = Replace("fc", fc, nn.Linear(fc.in_features, numClasses));
        NumClasses = numClasses;
    }

    /// <summary>ResNet-20 for CIFAR (n = 3).</summary>
    public static CifarResNet ResNet20(int numClasses = 10, int inChannels = 3) => new(Configs[0], numClasses, inChannels);

    /// <summary>ResNet-32 for CIFAR (n = 5).</summary>
    public static CifarResNet ResNet32(int numClasses = 10, int inChannels = 3) => new(Configs[1], numClasses, inChannels);

    /// <summary>ResNet-44 for CIFAR (n = 7).</summary>
    public static CifarResNet ResNet44(int numClasses = 10, int inChannels = 3) => new(Configs[2], numClasses, inChannels);

    /// <summary>ResNet-56 for CIFAR (n = 9).</summary>
    public static CifarResNet ResNet56(int numClasses = 10, int inChannels = 3) => new(Configs[3], numClasses, inChannels);

    /// <summary>ResNet-110 for CIFAR (n = 18).</summary>
    public static CifarResNet ResNet110(int numClasses = 10, int inChannels = 3) => new(Configs[4], numClasses, inChannels);
}
