using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Models;

// GoogLeNet (Inception v1): Szegedy et al., "Going Deeper with Convolutions", CVPR 2015
// (arXiv:1409.4842). Inception modules follow Table 1 of the paper, in torchvision's layout: every
// convolution is followed by batch norm (eps 0.001) and ReLU, the "5x5" branch uses a 3x3
// convolution (torchvision issue 906, kept so its weights load) and the last max-pool is 2x2.

/// <summary>Convolution without bias, batch norm (eps 0.001) and ReLU: the unit GoogLeNet and Inception v3 are built from.</summary>
public sealed class BasicConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;

    /// <summary>Creates the unit with a square kernel.</summary>
    public BasicConv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding)) { }

    /// <summary>Creates the unit with a rectangular kernel (Inception v3's 1x7 / 7x1 factorisations).</summary>
    public BasicConv2d(long inChannels, long outChannels, (long, long) kernelSize, (long, long) stride, (long, long) padding)
        : base(nameof(BasicConv2d))
    {
        conv = nn.Conv2d(inChannels, outChannels, kernelSize, stride, padding, bias: false);
        bn = nn.BatchNorm2d(outChannels, eps: 0.001);
        RegisterComponents();
    }

    /// <summary>The convolution (state_dict <c>conv</c>).</summary>
    public Conv2d Conv => conv;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var conv_out = conv.call(input);
        return bn.call(conv_out).relu_();
    }
}

/// <summary>
/// GoogLeNet's Inception module: four parallel branches (1x1; 1x1 then 3x3; 1x1 then "5x5"; 3x3
/// max-pool then 1x1) concatenated along channels.
/// </summary>
public sealed class InceptionBlock : nn.Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1;
    private readonly Sequential branch2;
    private readonly Sequential branch3;
    private readonly Sequential branch4;

    /// <summary>Creates the module from one row of the paper's Table 1.</summary>
    public InceptionBlock(long inChannels, GoogLeNetInception config) : base(nameof(InceptionBlock))
    {
        ArgumentNullException.ThrowIfNull(config);
        branch1 = new BasicConv2d(inChannels, config.Ch1x1, 1);
        branch2 = nn.Sequential(new BasicConv2d(inChannels, config.Ch3x3Reduce, 1), new BasicConv2d(config.Ch3x3Reduce, config.Ch3x3, 3, padding: 1));
        branch3 = nn.Sequential(new BasicConv2d(inChannels, config.Ch5x5Reduce, 1), new BasicConv2d(config.Ch5x5Reduce, config.Ch5x5, 3, padding: 1));
        branch4 = nn.Sequential(nn.MaxPool2d(3, stride: 1, padding: 1, ceil_mode: true), new BasicConv2d(inChannels, config.PoolProj, 1));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var output = cat(new[] { branch1.call(input), branch2.call(input), branch3.call(input), branch4.call(input) }, 1);
        return scope.MoveToOuter(output);
    }
}

/// <summary>
/// GoogLeNet's auxiliary classifier: 4x4 average pool, 1x1 convolution to 128 channels, a
/// 1024-unit layer with ReLU and dropout, then the class logits.
/// </summary>
public sealed class GoogLeNetAux : nn.Module<Tensor, Tensor>
{
    private readonly BasicConv2d conv;
    private readonly Linear fc1;
    private Linear fc2;
    private readonly Dropout dropout;

    /// <summary>Creates the head on a feature map of <paramref name="inChannels"/> channels.</summary>
    public GoogLeNetAux(long inChannels, int numClasses, double dropout = 0.7) : base(nameof(GoogLeNetAux))
    {
        conv = new BasicConv2d(inChannels, 128, 1);
        fc1 = nn.Linear(2048, 1024);
        fc2 = nn.Linear(1024, numClasses);
        this.dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>Replaces the final layer with a freshly initialised one for <paramref name="numClasses"/> classes.</summary>
    public void ResetClassifier(int numClasses)
    {
        var replacement = nn.Linear(fc2.in_features, numClasses);
        fc2.Dispose();
        fc2 = replacement;
        register_module(nameof(fc2), fc2);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = conv.call(F.adaptive_avg_pool2d(input, new long[] { 4, 4 })).flatten(1);
        x = dropout.call(fc1.call(x).relu_());
        return scope.MoveToOuter(fc2.call(x));
    }
}

/// <summary>One Inception module of GoogLeNet (paper, Table 1): channels of each branch.</summary>
/// <param name="Name">Module name, also its state_dict prefix (<c>inception3a</c>); the digit is the stage.</param>
/// <param name="Ch1x1">"#1x1": output channels of the 1x1 branch.</param>
/// <param name="Ch3x3Reduce">"#3x3 reduce": 1x1 channels before the 3x3 convolution.</param>
/// <param name="Ch3x3">"#3x3": output channels of the 3x3 branch.</param>
/// <param name="Ch5x5Reduce">"#5x5 reduce": 1x1 channels before the "5x5" convolution.</param>
/// <param name="Ch5x5">"#5x5": output channels of the "5x5" branch.</param>
/// <param name="PoolProj">"pool proj": 1x1 channels after the max-pool.</param>
/// <param name="AuxHead">Name of the auxiliary classifier attached to this module's output, if any.</param>
public sealed record GoogLeNetInception(string Name, int Ch1x1, int Ch3x3Reduce, int Ch3x3, int Ch5x5Reduce, int Ch5x5, int PoolProj, string? AuxHead = null)
{
    /// <summary>Output channels: the four branches concatenated.</summary>
    public int OutChannels => Ch1x1 + Ch3x3 + Ch5x5 + PoolProj;

    /// <summary>The stage (3, 4 or 5) this module belongs to.</summary>
    public char Stage => Name[^2];
}

/// <summary>
/// GoogLeNet (Inception v1) in torchvision's layout and state_dict names (<c>conv1.conv</c>,
/// <c>inception4a.branch2.1.bn</c>, <c>aux1.fc2</c>, <c>fc</c>): 6,624,904 parameters without the
/// auxiliary heads and 13,004,888 with them at 1000 classes. <see cref="nn.Module{T, TResult}.forward"/>
/// returns the main logits; <see cref="forward_with_aux"/> also returns the auxiliary logits in
/// training. Needs at least 15x15 input.
/// </summary>
public sealed class GoogLeNet : ClassifierNetwork, IAuxiliaryClassifierNetwork
{
    /// <summary>Smallest input height and width: below it the third max-pool has no output.</summary>
    public const int MinimumSize = 15;

    /// <summary>Table 1 of the paper: the nine Inception modules and where the auxiliary heads attach.</summary>
    public static IReadOnlyList<GoogLeNetInception> Inceptions { get; } =
    [
        new("inception3a", 64, 96, 128, 16, 32, 32),
        new("inception3b", 128, 128, 192, 32, 96, 64),
        new("inception4a", 192, 96, 208, 16, 48, 64, AuxHead: "aux1"),
        new("inception4b", 160, 112, 224, 24, 64, 64),
        new("inception4c", 128, 128, 256, 24, 64, 64),
        new("inception4d", 112, 144, 288, 32, 64, 64, AuxHead: "aux2"),
        new("inception4e", 256, 160, 320, 32, 128, 128),
        new("inception5a", 256, 160, 320, 32, 128, 128),
        new("inception5b", 384, 192, 384, 48, 128, 128),
    ];

    private readonly List<(string name, nn.Module<Tensor, Tensor> module, string? auxHead)> trunk = new();
    private readonly Dictionary<string, GoogLeNetAux> auxHeads = new();
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Dropout dropout;
    private Linear fc;

    /// <summary>Creates GoogLeNet.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="auxLogits">Build the two auxiliary classifiers (torchvision's default for training from scratch).</param>
    /// <param name="dropout">Dropout before the final layer (torchvision: 0.2).</param>
    /// <param name="dropoutAux">Dropout inside the auxiliary heads (paper: 0.7).</param>
    public GoogLeNet(int numClasses = 1000, int inChannels = 3, bool auxLogits = true, double dropout = 0.2, double dropoutAux = 0.7)
        : base("GoogLeNet", numClasses, inChannels, MinimumSize)
    {
        AuxLogits = auxLogits;
        trunk.Add(("conv1", new BasicConv2d(inChannels, 64, 7, stride: 2, padding: 3), null));
        trunk.Add(("maxpool1", nn.MaxPool2d(3, stride: 2, ceil_mode: true), null));
        trunk.Add(("conv2", new BasicConv2d(64, 64, 1), null));
        trunk.Add(("conv3", new BasicConv2d(64, 192, 3, padding: 1), null));
        trunk.Add(("maxpool2", nn.MaxPool2d(3, stride: 2, ceil_mode: true), null));
        long channels = 192;
        var stage = '3';
        foreach (var config in Inceptions)
        {
            // A stride-2 max-pool between stages: 3x3 before stage 4, 2x2 before stage 5 (torchvision).
            if (config.Stage != stage)
            {
                trunk.Add(($"maxpool{stage}", nn.MaxPool2d(config.Stage == '4' ? 3 : 2, stride: 2, ceil_mode: true), null));
                stage = config.Stage;
            }
            trunk.Add((config.Name, new InceptionBlock(channels, config), config.AuxHead));
            if (auxLogits && config.AuxHead is { } aux) auxHeads[aux] = new GoogLeNetAux(config.OutChannels, numClasses, dropoutAux);
            channels = config.OutChannels;
        }
        avgpool = nn.AdaptiveAvgPool2d(1);
        this.dropout = nn.Dropout(dropout);
        fc = nn.Linear(channels, numClasses);

        foreach (var (name, module, _) in trunk) register_module(name, module);
        foreach (var (name, head) in auxHeads) register_module(name, head);
        register_module(nameof(avgpool), avgpool);
        register_module(nameof(this.dropout), this.dropout);
        register_module(nameof(fc), fc);
        InitWeights();
    }

    /// <inheritdoc />
    public bool AuxLogits { get; }

    /// <inheritdoc />
    public double AuxLossWeight => 0.3;

    /// <inheritdoc />
    public override string ClassifierName => "fc";

    /// <summary>torchvision's initialisation: truncated normal (std 0.01) for convolution and linear weights, batch norm 1 and 0.</summary>
    private void InitWeights()
    {
        foreach (var (_, m) in named_modules())
        {
            switch (m)
            {
                case Conv2d conv: nn.init.trunc_normal_(conv.weight, 0, 0.01, -2, 2); break;
                case Linear linear: nn.init.trunc_normal_(linear.weight, 0, 0.01, -2, 2); break;
                case BatchNorm2d { weight: { } w, bias: { } b }:
                    nn.init.constant_(w, 1);
                    nn.init.constant_(b, 0);
                    break;
            }
        }
    }

    private Tensor Trunk(Tensor input, List<Tensor>? auxOutputs)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var (_, module, aux) in trunk)
        {
            // Each block's input is freed as soon as the next exists (as Python's rebinding does), so at
            // inference only two activations of the trunk are alive at once; autograd keeps what it saved.
            var next = module.call(x);
            if (!ReferenceEquals(x, input) && !ReferenceEquals(next, x)) x.Dispose();
            x = next;
            if (auxOutputs is not null && aux is not null && auxHeads.TryGetValue(aux, out var head))
                auxOutputs.Add(scope.MoveToOuter(head.call(x)));
        }
        return scope.MoveToOuter(x);
    }

    /// <inheritdoc />
    public override Tensor features(Tensor input) => Trunk(input, null);

    /// <inheritdoc />
    public override Tensor head(Tensor features)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(fc.call(dropout.call(avgpool.call(features).flatten(1))));
    }

    /// <inheritdoc />
    public AuxiliaryOutputs forward_with_aux(Tensor input)
    {
        CheckInput(input);
        var aux = training && AuxLogits ? new List<Tensor>() : null;
        using var f = Trunk(input, aux);
        var logits = head(f);
        aux?.Reverse(); // torchvision's order: aux2, then aux1
        return new AuxiliaryOutputs(logits, aux ?? new List<Tensor>());
    }

    /// <summary>Replaces the final classifier and, when present, the last layer of both auxiliary heads.</summary>
    public override void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        fc = Replace("fc", fc, nn.Linear(fc.in_features, numClasses));
        foreach (var head in auxHeads.Values) head.ResetClassifier(numClasses);
        NumClasses = numClasses;
    }
}
