using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Models;

// EfficientNet: Tan and Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
// Networks", ICML 2019 (arXiv:1905.11946). The B0 stages of Table 1, scaled in width and depth by
// the compound coefficients of section 3.3; mobile inverted bottlenecks (MBConv, Sandler et al.
// 2018) with squeeze-and-excitation (Hu et al. 2018), SiLU, and stochastic depth (Huang et al.
// 2016), in torchvision's layout and state_dict names (features.1.0.block.1.fc1, classifier.1).

/// <summary>
/// Stochastic depth in "row" mode: in training, zeroes each sample's residual branch with
/// probability <c>p</c> and scales the survivors by 1/(1-p); the identity in eval mode.
/// </summary>
public sealed class StochasticDepth : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public StochasticDepth(double p) : base(nameof(StochasticDepth))
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "drop probability must be in [0, 1]");
        this.p = p;
    }

    /// <summary>Probability of dropping a sample's branch.</summary>
    public double p { get; set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (!training || p == 0) return input.alias();
        var survival = 1 - p;
        var shape = new long[input.Dimensions];
        Array.Fill(shape, 1L);
        shape[0] = input.size(0);
        using var noise = empty(shape, input.dtype, input.device).bernoulli_(survival);
        if (survival > 0) noise.div_(survival);
        return input.mul(noise);
    }
}

/// <summary>
/// Squeeze-and-excitation: global average pool, 1x1 conv down to <c>squeezeChannels</c>, SiLU,
/// 1x1 conv back up, sigmoid, and the input rescaled channel-wise by the result.
/// </summary>
public sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Conv2d fc1;
    private readonly Conv2d fc2;
    private readonly SiLU activation;
    private readonly Sigmoid scale_activation;

    /// <summary>Creates the block.</summary>
    public SqueezeExcitation(long inputChannels, long squeezeChannels) : base(nameof(SqueezeExcitation))
    {
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc1 = nn.Conv2d(inputChannels, squeezeChannels, 1);
        fc2 = nn.Conv2d(squeezeChannels, inputChannels, 1);
        activation = nn.SiLU(inplace: true);
        scale_activation = nn.Sigmoid();
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var scale = scale_activation.call(fc2.call(activation.call(fc1.call(avgpool.call(input)))));
        return scope.MoveToOuter(scale.mul(input));
    }
}

/// <summary>
/// Mobile inverted bottleneck: 1x1 expansion (when the expand ratio is not 1), depthwise k x k
/// (strided), squeeze-and-excitation, linear 1x1 projection; a residual connection with stochastic
/// depth when stride is 1 and the channel count is kept.
/// </summary>
public sealed class MBConv : nn.Module<Tensor, Tensor>
{
    private readonly Sequential block;
    private readonly StochasticDepth stochastic_depth;
    private readonly bool useResidual;

    /// <summary>Creates the block.</summary>
    /// <param name="config">Expand ratio, kernel, stride and channels (already scaled).</param>
    /// <param name="inChannels">Input channels (the stage's input for its first block, its output afterwards).</param>
    /// <param name="stride">1, or 2 for the first block of a downsampling stage.</param>
    /// <param name="stochasticDepthProb">Probability of dropping the residual branch in training.</param>
    /// <param name="norm">Batch norm settings.</param>
    public MBConv(MBConvStage config, long inChannels, long stride, double stochasticDepthProb, (double eps, double momentum) norm) : base(nameof(MBConv))
    {
        ArgumentNullException.ThrowIfNull(config);
        if (stride is < 1 or > 2) throw new ArgumentOutOfRangeException(nameof(stride), stride, "MBConv stride must be 1 or 2");
        useResidual = stride == 1 && inChannels == config.OutChannels;
        var expanded = EfficientNet.MakeDivisible(inChannels * config.ExpandRatio);
        block = nn.Sequential();
        if (expanded != inChannels) block.append(EfficientNet.ConvNormActivation(inChannels, expanded, 1, 1, 1, norm, activation: true));
        block.append(EfficientNet.ConvNormActivation(expanded, expanded, config.Kernel, stride, expanded, norm, activation: true));
        block.append(new SqueezeExcitation(expanded, Math.Max(1, inChannels / 4)));
        block.append(EfficientNet.ConvNormActivation(expanded, config.OutChannels, 1, 1, 1, norm, activation: false));
        stochastic_depth = new StochasticDepth(stochasticDepthProb);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (!useResidual) return block.call(input);
        using var scope = NewDisposeScope();
        var branch = stochastic_depth.call(block.call(input));
        return scope.MoveToOuter(branch.add_(input));
    }
}

/// <summary>One stage of EfficientNet-B0 (paper, Table 1): an MBConv operator repeated <c>Layers</c> times.</summary>
/// <param name="ExpandRatio">Expansion of the inverted bottleneck ("MBConv6" is 6).</param>
/// <param name="Kernel">Depthwise kernel size.</param>
/// <param name="Stride">Stride of the stage's first block.</param>
/// <param name="InChannels">Input channels of the stage.</param>
/// <param name="OutChannels">Output channels ("#Channels").</param>
/// <param name="Layers">Number of blocks ("#Layers").</param>
public sealed record MBConvStage(double ExpandRatio, int Kernel, int Stride, int InChannels, int OutChannels, int Layers);

/// <summary>An EfficientNet variant: compound-scaling coefficients and the settings torchvision uses for it.</summary>
/// <param name="Name">Name, e.g. "EfficientNet-B0".</param>
/// <param name="WidthMult">Channel multiplier (paper's β^φ).</param>
/// <param name="DepthMult">Layer multiplier (paper's α^φ).</param>
/// <param name="Resolution">Input size torchvision evaluates it at.</param>
/// <param name="Dropout">Dropout before the classifier.</param>
/// <param name="NormEps">Batch norm epsilon (torchvision: 0.001 for B5–B7, whose weights come from TensorFlow).</param>
/// <param name="NormMomentum">Batch norm momentum (torchvision: 0.01 for B5–B7).</param>
public sealed record EfficientNetVariant(string Name, double WidthMult, double DepthMult, int Resolution, double Dropout, double NormEps = 1e-5, double NormMomentum = 0.1);

/// <summary>
/// EfficientNet B0–B7 in torchvision's layout: <c>features</c> (0: 3x3/2 stem, 1–7: MBConv stages,
/// 8: 1x1 conv to 4x the last stage's channels), <c>avgpool</c>, <c>classifier</c> (dropout, linear).
/// 5,288,548 (B0) to 66,347,960 (B7) parameters at 1000 classes. Accepts any input from 1x1 up.
/// </summary>
public sealed class EfficientNet : ClassifierNetwork
{
    /// <summary>Smallest input height and width: every strided layer pads, so 1x1 still gives a 1x1 map.</summary>
    public const int MinimumSize = 1;

    /// <summary>Table 1 of the paper: the EfficientNet-B0 stages that every variant scales.</summary>
    public static IReadOnlyList<MBConvStage> BaselineStages { get; } =
    [
        new(1, 3, 1, 32, 16, 1),
        new(6, 3, 2, 16, 24, 2),
        new(6, 5, 2, 24, 40, 2),
        new(6, 3, 2, 40, 80, 3),
        new(6, 5, 1, 80, 112, 3),
        new(6, 5, 2, 112, 192, 4),
        new(6, 3, 1, 192, 320, 1),
    ];

    /// <summary>The compound coefficients of B0–B7 (width, depth), torchvision's resolutions and dropout.</summary>
    public static IReadOnlyList<EfficientNetVariant> Variants { get; } =
    [
        new("EfficientNet-B0", 1.0, 1.0, 224, 0.2),
        new("EfficientNet-B1", 1.0, 1.1, 240, 0.2),
        new("EfficientNet-B2", 1.1, 1.2, 288, 0.3),
        new("EfficientNet-B3", 1.2, 1.4, 300, 0.3),
        new("EfficientNet-B4", 1.4, 1.8, 380, 0.4),
        new("EfficientNet-B5", 1.6, 2.2, 456, 0.4, 0.001, 0.01),
        new("EfficientNet-B6", 1.8, 2.6, 528, 0.5, 0.001, 0.01),
        new("EfficientNet-B7", 2.0, 3.1, 600, 0.5, 0.001, 0.01),
    ];

    private readonly Sequential featureLayers;
    private readonly AdaptiveAvgPool2d avgpool;
    private Sequential classifier;
    private readonly double dropout;
    private readonly long lastChannels;

    /// <summary>Creates an EfficientNet.</summary>
    /// <param name="variant">Scaling coefficients and settings (see <see cref="Variants"/>).</param>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="stochasticDepthProb">Drop probability of the last block, growing linearly from 0 over the blocks (torchvision: 0.2).</param>
    /// <param name="dropout">Dropout before the classifier; the variant's by default.</param>
    public EfficientNet(EfficientNetVariant variant, int numClasses = 1000, int inChannels = 3, double stochasticDepthProb = 0.2, double? dropout = null)
        : base(variant?.Name ?? "EfficientNet", numClasses, inChannels, MinimumSize)
    {
        ArgumentNullException.ThrowIfNull(variant);
        if (stochasticDepthProb is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(stochasticDepthProb), stochasticDepthProb, "must be in [0, 1]");
        Variant = variant;
        Stages = Scale(BaselineStages, variant.WidthMult, variant.DepthMult);
        var norm = (variant.NormEps, variant.NormMomentum);
        featureLayers = nn.Sequential();
        featureLayers.append(ConvNormActivation(inChannels, Stages[0].InChannels, 3, 2, 1, norm, activation: true));
        var totalBlocks = Stages.Sum(s => s.Layers);
        var blockId = 0;
        foreach (var stage in Stages)
        {
            var blocks = nn.Sequential();
            for (int i = 0; i < stage.Layers; i++)
            {
                var probability = stochasticDepthProb * blockId++ / totalBlocks;
                blocks.append(new MBConv(stage, i == 0 ? stage.InChannels : stage.OutChannels, i == 0 ? stage.Stride : 1, probability, norm));
            }
            featureLayers.append(blocks);
        }
        lastChannels = 4 * Stages[^1].OutChannels;
        featureLayers.append(ConvNormActivation(Stages[^1].OutChannels, lastChannels, 1, 1, 1, norm, activation: true));
        avgpool = nn.AdaptiveAvgPool2d(1);
        this.dropout = dropout ?? variant.Dropout;
        classifier = nn.Sequential(nn.Dropout(this.dropout, inplace: true), nn.Linear(lastChannels, numClasses));
        register_module("features", featureLayers);
        register_module(nameof(avgpool), avgpool);
        register_module(nameof(classifier), classifier);
        InitWeights(this);
    }

    /// <summary>The variant this network was built from.</summary>
    public EfficientNetVariant Variant { get; }

    /// <summary>The stages after width and depth scaling.</summary>
    public IReadOnlyList<MBConvStage> Stages { get; }

    /// <inheritdoc />
    public override string ClassifierName => "classifier.1";

    /// <summary>
    /// Compound scaling (paper, section 3.3): channels times <paramref name="widthMult"/>, rounded to
    /// a multiple of 8 (<see cref="MakeDivisible"/>), and layers times <paramref name="depthMult"/>, rounded up.
    /// </summary>
    public static IReadOnlyList<MBConvStage> Scale(IReadOnlyList<MBConvStage> stages, double widthMult, double depthMult)
    {
        ArgumentNullException.ThrowIfNull(stages);
        if (widthMult <= 0 || depthMult <= 0) throw new ArgumentOutOfRangeException(nameof(widthMult), "scaling multipliers must be positive");
        return stages.Select(s => s with
        {
            InChannels = (int)MakeDivisible(s.InChannels * widthMult),
            OutChannels = (int)MakeDivisible(s.OutChannels * widthMult),
            Layers = (int)Math.Ceiling(s.Layers * depthMult),
        }).ToArray();
    }

    /// <summary>Rounds a channel count to the nearest multiple of <paramref name="divisor"/>, never below it nor more than 10% down (the TensorFlow reference's rule).</summary>
    public static long MakeDivisible(double channels, int divisor = 8)
    {
        var rounded = Math.Max(divisor, (long)(channels + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * channels) rounded += divisor;
        return rounded;
    }

    /// <summary>Convolution (padding k/2, no bias), batch norm and optionally SiLU, as torchvision's <c>Conv2dNormActivation</c>: keys 0, 1.</summary>
    internal static Sequential ConvNormActivation(long inChannels, long outChannels, long kernel, long stride, long groups, (double eps, double momentum) norm, bool activation)
    {
        var layers = nn.Sequential(
            nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false),
            nn.BatchNorm2d(outChannels, eps: norm.eps, momentum: norm.momentum));
        if (activation) layers.append(nn.SiLU(inplace: true));
        return layers;
    }

    /// <summary>
    /// torchvision's initialisation: Kaiming normal (fan_out) convolutions (He et al. 2015) with zero
    /// bias, batch norm 1 and 0, linear weights uniform in ±1/√out_features with zero bias.
    /// </summary>
    private static void InitWeights(nn.Module model)
    {
        foreach (var (_, m) in model.named_modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.FanInOut.FanOut);
                    if (conv.bias is { } bias) nn.init.zeros_(bias);
                    break;
                case BatchNorm2d { weight: { } w, bias: { } b }:
                    nn.init.ones_(w);
                    nn.init.zeros_(b);
                    break;
                case Linear linear:
                    var range = 1.0 / Math.Sqrt(linear.out_features);
                    nn.init.uniform_(linear.weight, -range, range);
                    if (linear.bias is { } linearBias) nn.init.zeros_(linearBias);
                    break;
            }
        }
    }

    /// <inheritdoc />
    public override Tensor features(Tensor input) => featureLayers.call(input);

    /// <inheritdoc />
    public override Tensor head(Tensor features)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(classifier.call(avgpool.call(features).flatten(1)));
    }

    /// <inheritdoc />
    public override void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        var linear = nn.Linear(lastChannels, numClasses);
        var range = 1.0 / Math.Sqrt(numClasses);
        nn.init.uniform_(linear.weight, -range, range);
        nn.init.zeros_(linear.bias!);
        classifier = Replace("classifier", classifier, nn.Sequential(nn.Dropout(dropout, inplace: true), linear));
        NumClasses = numClasses;
    }

    /// <summary>Creates EfficientNet-B<paramref name="index"/> (0–7).</summary>
    public static EfficientNet Create(int index, int numClasses = 1000, int inChannels = 3, double stochasticDepthProb = 0.2, double? dropout = null)
    {
        if (index < 0 || index >= 8) throw new ArgumentOutOfRangeException(nameof(index), index, "EfficientNet variants are B0 to B7");
        return new(Variants[index], numClasses, inChannels, stochasticDepthProb, dropout);
    }

    /// <summary>EfficientNet-B0: 5,288,548 parameters at 1000 classes.</summary>
    public static EfficientNet B0(int numClasses = 1000, int inChannels = 3, double stochasticDepthProb = 0.2) => Create(0, numClasses, inChannels, stochasticDepthProb);

    /// <summary>EfficientNet-B1: 7,794,184 parameters at 1000 classes.</summary>
    public static EfficientNet B1(int numClasses = 1000, int inChannels = 3, double stochasticDepthProb = 0.2) => Create(1, numClasses, inChannels, stochasticDepthProb);

    /// <summary>EfficientNet-B2: 9,109,994 parameters at 1000 classes.</summary>
    public static EfficientNet B2(int numClasses = 1000, int inChannels = 3, double stochasticDepthProb = 0.2) => Create(2, numClasses, inChannels, stochasticDepthProb);

    /// <summary>EfficientNet-B3: 12,233,232 parameters at 1000 classes.</summary>
    public static EfficientNet B3(int numClasses = 1000, int inChannels = 3, double stochasticDepthProb = 0.2) => Create(3, numClasses, inChannels, stochasticDepthProb);

    /// <summary>EfficientNet-B4: 19,341,616 parameters at 1000 classes.</summary>
    public static EfficientNet B4(int numClasses = 1000, int inChannels = 3, double stochasticDepthProb = 0.2) => Create(4, numClasses, inChannels, stochasticDepthProb);

    /// <summary>EfficientNet-B5: 30,389,784 parameters at 1000 classes.</summary>
    public static EfficientNet B5(int numClasses = 1000, int inChannels = 3, double stochasticDepthProb = 0.2) => Create(5, numClasses, inChannels, stochasticDepthProb);

    /// <summary>EfficientNet-B6: 43,040,704 parameters at 1000 classes.</summary>
    public static EfficientNet B6(int numClasses = 1000, int inChannels = 3, double stochasticDepthProb = 0.2) => Create(6, numClasses, inChannels, stochasticDepthProb);

    /// <summary>EfficientNet-B7: 66,347,960 parameters at 1000 classes.</summary>
    public static EfficientNet B7(int numClasses = 1000, int inChannels = 3, double stochasticDepthProb = 0.2) => Create(7, numClasses, inChannels, stochasticDepthProb);
}
