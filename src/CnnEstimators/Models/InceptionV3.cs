using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Models;

// Inception v3: Szegedy, Vanhoucke, Ioffe, Shlens and Wojna, "Rethinking the Inception
// Architecture for Computer Vision", CVPR 2016 (arXiv:1512.00567). The modules of Figures 5, 6
// and 7 and the grid reductions of Figure 10, stacked as in Table 1, in torchvision's layout and
// state_dict names (Mixed_5b ... Mixed_7c, AuxLogits); units are BasicConv2d (see GoogLeNet.cs).

/// <summary>35x35 module (paper Figure 5): 1x1, 5x5, double 3x3 and pooled 1x1 branches; 224 + <c>poolFeatures</c> channels out.</summary>
public sealed class InceptionA : nn.Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1;
    private readonly BasicConv2d branch5x5_1;
    private readonly BasicConv2d branch5x5_2;
    private readonly BasicConv2d branch3x3dbl_1;
    private readonly BasicConv2d branch3x3dbl_2;
    private readonly BasicConv2d branch3x3dbl_3;
    private readonly BasicConv2d branch_pool;

    /// <summary>Creates the module.</summary>
    public InceptionA(long inChannels, long poolFeatures) : base(nameof(InceptionA))
    {
        branch1x1 = new BasicConv2d(inChannels, 64, 1);
        branch5x5_1 = new BasicConv2d(inChannels, 48, 1);
        branch5x5_2 = new BasicConv2d(48, 64, 5, padding: 2);
        branch3x3dbl_1 = new BasicConv2d(inChannels, 64, 1);
        branch3x3dbl_2 = new BasicConv2d(64, 96, 3, padding: 1);
        branch3x3dbl_3 = new BasicConv2d(96, 96, 3, padding: 1);
        branch_pool = new BasicConv2d(inChannels, poolFeatures, 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var b1 = branch1x1.call(input);
        var b5 = branch5x5_2.call(branch5x5_1.call(input));
        var b3 = branch3x3dbl_3.call(branch3x3dbl_2.call(branch3x3dbl_1.call(input)));
        var bp = branch_pool.call(F.avg_pool2d(input, new long[] { 3 }, new long[] { 1 }, new long[] { 1 }));
        return scope.MoveToOuter(cat(new[] { b1, b5, b3, bp }, 1));
    }
}

/// <summary>Grid reduction 35x35 to 17x17 (paper Figure 10): strided 3x3, strided double 3x3 and max-pool branches.</summary>
public sealed class InceptionB : nn.Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch3x3;
    private readonly BasicConv2d branch3x3dbl_1;
    private readonly BasicConv2d branch3x3dbl_2;
    private readonly BasicConv2d branch3x3dbl_3;

    /// <summary>Creates the module; output channels are 480 + <paramref name="inChannels"/>.</summary>
    public InceptionB(long inChannels) : base(nameof(InceptionB))
    {
        branch3x3 = new BasicConv2d(inChannels, 384, 3, stride: 2);
        branch3x3dbl_1 = new BasicConv2d(inChannels, 64, 1);
        branch3x3dbl_2 = new BasicConv2d(64, 96, 3, padding: 1);
        branch3x3dbl_3 = new BasicConv2d(96, 96, 3, stride: 2);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var b3 = branch3x3.call(input);
        var bd = branch3x3dbl_3.call(branch3x3dbl_2.call(branch3x3dbl_1.call(input)));
        var bp = F.max_pool2d(input, new long[] { 3 }, new long[] { 2 });
        return scope.MoveToOuter(cat(new[] { b3, bd, bp }, 1));
    }
}

/// <summary>17x17 module with factorised 7x7 convolutions (paper Figure 6, n = 7); 768 channels out.</summary>
public sealed class InceptionC : nn.Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1;
    private readonly BasicConv2d branch7x7_1;
    private readonly BasicConv2d branch7x7_2;
    private readonly BasicConv2d branch7x7_3;
    private readonly BasicConv2d branch7x7dbl_1;
    private readonly BasicConv2d branch7x7dbl_2;
    private readonly BasicConv2d branch7x7dbl_3;
    private readonly BasicConv2d branch7x7dbl_4;
    private readonly BasicConv2d branch7x7dbl_5;
    private readonly BasicConv2d branch_pool;

    /// <summary>Creates the module; <paramref name="channels7x7"/> is the width inside the 7x7 branches.</summary>
    public InceptionC(long inChannels, long channels7x7) : base(nameof(InceptionC))
    {
        var c7 = channels7x7;
        branch1x1 = new BasicConv2d(inChannels, 192, 1);
        branch7x7_1 = new BasicConv2d(inChannels, c7, 1);
        branch7x7_2 = Row(c7, c7);
        branch7x7_3 = Column(c7, 192);
        branch7x7dbl_1 = new BasicConv2d(inChannels, c7, 1);
        branch7x7dbl_2 = Column(c7, c7);
        branch7x7dbl_3 = Row(c7, c7);
        branch7x7dbl_4 = Column(c7, c7);
        branch7x7dbl_5 = Row(c7, 192);
        branch_pool = new BasicConv2d(inChannels, 192, 1);
        RegisterComponents();
    }

    /// <summary>A 1x7 unit.</summary>
    internal static BasicConv2d Row(long inChannels, long outChannels) => new(inChannels, outChannels, (1, 7), (1, 1), (0, 3));

    /// <summary>A 7x1 unit.</summary>
    internal static BasicConv2d Column(long inChannels, long outChannels) => new(inChannels, outChannels, (7, 1), (1, 1), (3, 0));

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var b1 = branch1x1.call(input);
        var b7 = branch7x7_3.call(branch7x7_2.call(branch7x7_1.call(input)));
        var bd = branch7x7dbl_1.call(input);
        bd = branch7x7dbl_5.call(branch7x7dbl_4.call(branch7x7dbl_3.call(branch7x7dbl_2.call(bd))));
        var bp = branch_pool.call(F.avg_pool2d(input, new long[] { 3 }, new long[] { 1 }, new long[] { 1 }));
        return scope.MoveToOuter(cat(new[] { b1, b7, bd, bp }, 1));
    }
}

/// <summary>Grid reduction 17x17 to 8x8: strided 3x3, 7x7-then-strided-3x3 and max-pool branches.</summary>
public sealed class InceptionD : nn.Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch3x3_1;
    private readonly BasicConv2d branch3x3_2;
    private readonly BasicConv2d branch7x7x3_1;
    private readonly BasicConv2d branch7x7x3_2;
    private readonly BasicConv2d branch7x7x3_3;
    private readonly BasicConv2d branch7x7x3_4;

    /// <summary>Creates the module; output channels are 512 + <paramref name="inChannels"/>.</summary>
    public InceptionD(long inChannels) : base(nameof(InceptionD))
    {
        branch3x3_1 = new BasicConv2d(inChannels, 192, 1);
        branch3x3_2 = new BasicConv2d(192, 320, 3, stride: 2);
        branch7x7x3_1 = new BasicConv2d(inChannels, 192, 1);
        branch7x7x3_2 = InceptionC.Row(192, 192);
        branch7x7x3_3 = InceptionC.Column(192, 192);
        branch7x7x3_4 = new BasicConv2d(192, 192, 3, stride: 2);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var b3 = branch3x3_2.call(branch3x3_1.call(input));
        var b7 = branch7x7x3_4.call(branch7x7x3_3.call(branch7x7x3_2.call(branch7x7x3_1.call(input))));
        var bp = F.max_pool2d(input, new long[] { 3 }, new long[] { 2 });
        return scope.MoveToOuter(cat(new[] { b3, b7, bp }, 1));
    }
}

/// <summary>8x8 module with expanded filter banks (paper Figure 7): 1x3 and 3x1 outputs side by side; 2048 channels out.</summary>
public sealed class InceptionE : nn.Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1;
    private readonly BasicConv2d branch3x3_1;
    private readonly BasicConv2d branch3x3_2a;
    private readonly BasicConv2d branch3x3_2b;
    private readonly BasicConv2d branch3x3dbl_1;
    private readonly BasicConv2d branch3x3dbl_2;
    private readonly BasicConv2d branch3x3dbl_3a;
    private readonly BasicConv2d branch3x3dbl_3b;
    private readonly BasicConv2d branch_pool;

    /// <summary>Creates the module.</summary>
    public InceptionE(long inChannels) : base(nameof(InceptionE))
    {
        branch1x1 = new BasicConv2d(inChannels, 320, 1);
        branch3x3_1 = new BasicConv2d(inChannels, 384, 1);
        branch3x3_2a = new BasicConv2d(384, 384, (1, 3), (1, 1), (0, 1));
        branch3x3_2b = new BasicConv2d(384, 384, (3, 1), (1, 1), (1, 0));
        branch3x3dbl_1 = new BasicConv2d(inChannels, 448, 1);
        branch3x3dbl_2 = new BasicConv2d(448, 384, 3, padding: 1);
        branch3x3dbl_3a = new BasicConv2d(384, 384, (1, 3), (1, 1), (0, 1));
        branch3x3dbl_3b = new BasicConv2d(384, 384, (3, 1), (1, 1), (1, 0));
        branch_pool = new BasicConv2d(inChannels, 192, 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var b1 = branch1x1.call(input);
        var b3 = branch3x3_1.call(input);
        b3 = cat(new[] { branch3x3_2a.call(b3), branch3x3_2b.call(b3) }, 1);
        var bd = branch3x3dbl_2.call(branch3x3dbl_1.call(input));
        bd = cat(new[] { branch3x3dbl_3a.call(bd), branch3x3dbl_3b.call(bd) }, 1);
        var bp = branch_pool.call(F.avg_pool2d(input, new long[] { 3 }, new long[] { 1 }, new long[] { 1 }));
        return scope.MoveToOuter(cat(new[] { b1, b3, bd, bp }, 1));
    }
}

/// <summary>Inception v3's auxiliary classifier on the 17x17 grid: 5x5/3 average pool, 1x1 and 5x5 convolutions, global pool, logits.</summary>
public sealed class InceptionV3Aux : nn.Module<Tensor, Tensor>
{
    private readonly BasicConv2d conv0;
    private readonly BasicConv2d conv1;
    private Linear fc;

    /// <summary>Creates the head on a feature map of <paramref name="inChannels"/> channels.</summary>
    public InceptionV3Aux(long inChannels, int numClasses) : base(nameof(InceptionV3Aux))
    {
        conv0 = new BasicConv2d(inChannels, 128, 1);
        conv1 = new BasicConv2d(128, 768, 5);
        fc = nn.Linear(768, numClasses);
        RegisterComponents();
    }

    /// <summary>Replaces the final layer with a freshly initialised one for <paramref name="numClasses"/> classes.</summary>
    public void ResetClassifier(int numClasses)
    {
        var replacement = nn.Linear(fc.in_features, numClasses);
        fc.Dispose();
        fc = replacement;
        register_module(nameof(fc), fc);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = conv1.call(conv0.call(F.avg_pool2d(input, new long[] { 5 }, new long[] { 3 })));
        return scope.MoveToOuter(fc.call(F.adaptive_avg_pool2d(x, new long[] { 1, 1 }).flatten(1)));
    }
}

/// <summary>The kinds of Inception v3 module.</summary>
public enum InceptionV3BlockKind
{
    /// <summary><see cref="InceptionA"/> (35x35).</summary>
    A,

    /// <summary><see cref="InceptionB"/> (35x35 to 17x17).</summary>
    B,

    /// <summary><see cref="InceptionC"/> (17x17).</summary>
    C,

    /// <summary><see cref="InceptionD"/> (17x17 to 8x8).</summary>
    D,

    /// <summary><see cref="InceptionE"/> (8x8).</summary>
    E,
}

/// <summary>One module of Inception v3 (paper, Table 1).</summary>
/// <param name="Name">Module name, also its state_dict prefix (<c>Mixed_5b</c>).</param>
/// <param name="Kind">Module kind.</param>
/// <param name="Width">Pool-branch channels for <see cref="InceptionV3BlockKind.A"/>, 7x7-branch channels for <see cref="InceptionV3BlockKind.C"/>, unused otherwise.</param>
/// <param name="AuxHead">True when the auxiliary classifier reads this module's output.</param>
public sealed record InceptionV3Mixed(string Name, InceptionV3BlockKind Kind, int Width = 0, bool AuxHead = false)
{
    /// <summary>Output channels for <paramref name="inChannels"/> input channels.</summary>
    public long OutChannels(long inChannels) => Kind switch
    {
        InceptionV3BlockKind.A => 224 + Width,
        InceptionV3BlockKind.B => 480 + inChannels,
        InceptionV3BlockKind.C => 768,
        InceptionV3BlockKind.D => 512 + inChannels,
        _ => 2048,
    };

    /// <summary>Builds the module.</summary>
    public nn.Module<Tensor, Tensor> Build(long inChannels) => Kind switch
    {
        InceptionV3BlockKind.A => new InceptionA(inChannels, Width),
        InceptionV3BlockKind.B => new InceptionB(inChannels),
        InceptionV3BlockKind.C => new InceptionC(inChannels, Width),
        InceptionV3BlockKind.D => new InceptionD(inChannels),
        _ => new InceptionE(inChannels),
    };
}

/// <summary>
/// Inception v3 in torchvision's layout and state_dict names (<c>Conv2d_1a_3x3.conv</c>,
/// <c>Mixed_6b.branch7x7_2.bn</c>, <c>AuxLogits.fc</c>, <c>fc</c>): 27,161,264 parameters with the
/// auxiliary classifier and 23,834,568 without at 1000 classes. Designed for 299x299; needs at least
/// 75x75, and the auxiliary classifier (training only, <see cref="forward_with_aux"/>) needs 299x299.
/// </summary>
public sealed class InceptionV3 : ClassifierNetwork, IAuxiliaryClassifierNetwork
{
    /// <summary>Smallest input height and width: below it the last grid reduction has no output.</summary>
    public const int MinimumSize = 75;

    /// <summary>Smallest input for the auxiliary classifier, whose 5x5/3 pool and 5x5 convolution need a 17x17 grid.</summary>
    public const int AuxMinimumSize = 299;

    /// <summary>Table 1 of the paper: the stem is fixed; these are the Inception modules after it.</summary>
    public static IReadOnlyList<InceptionV3Mixed> Modules { get; } =
    [
        new("Mixed_5b", InceptionV3BlockKind.A, 32),
        new("Mixed_5c", InceptionV3BlockKind.A, 64),
        new("Mixed_5d", InceptionV3BlockKind.A, 64),
        new("Mixed_6a", InceptionV3BlockKind.B),
        new("Mixed_6b", InceptionV3BlockKind.C, 128),
        new("Mixed_6c", InceptionV3BlockKind.C, 160),
        new("Mixed_6d", InceptionV3BlockKind.C, 160),
        new("Mixed_6e", InceptionV3BlockKind.C, 192, AuxHead: true),
        new("Mixed_7a", InceptionV3BlockKind.D),
        new("Mixed_7b", InceptionV3BlockKind.E),
        new("Mixed_7c", InceptionV3BlockKind.E),
    ];

    private readonly List<(string name, nn.Module<Tensor, Tensor> module, bool auxHead)> trunk = new();
    private readonly InceptionV3Aux? auxHead;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Dropout dropout;
    private Linear fc;

    /// <summary>Creates Inception v3.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="auxLogits">Build the auxiliary classifier (torchvision's default).</param>
    /// <param name="dropout">Dropout before the final layer (torchvision: 0.5).</param>
    public InceptionV3(int numClasses = 1000, int inChannels = 3, bool auxLogits = true, double dropout = 0.5)
        : base("InceptionV3", numClasses, inChannels, MinimumSize)
    {
        AuxLogits = auxLogits;
        trunk.Add(("Conv2d_1a_3x3", new BasicConv2d(inChannels, 32, 3, stride: 2), false));
        trunk.Add(("Conv2d_2a_3x3", new BasicConv2d(32, 32, 3), false));
        trunk.Add(("Conv2d_2b_3x3", new BasicConv2d(32, 64, 3, padding: 1), false));
        trunk.Add(("maxpool1", nn.MaxPool2d(3, stride: 2), false));
        trunk.Add(("Conv2d_3b_1x1", new BasicConv2d(64, 80, 1), false));
        trunk.Add(("Conv2d_4a_3x3", new BasicConv2d(80, 192, 3), false));
        trunk.Add(("maxpool2", nn.MaxPool2d(3, stride: 2), false));
        foreach (var (name, module, _) in trunk) register_module(name, module);
        long channels = 192;
        foreach (var config in Modules)
        {
            var module = config.Build(channels);
            trunk.Add((config.Name, module, config.AuxHead));
            register_module(config.Name, module);
            if (auxLogits && config.AuxHead)
            {
                auxHead = new InceptionV3Aux(config.OutChannels(channels), numClasses);
                register_module("AuxLogits", auxHead);
            }
            channels = config.OutChannels(channels);
        }
        avgpool = nn.AdaptiveAvgPool2d(1);
        this.dropout = nn.Dropout(dropout);
        fc = nn.Linear(channels, numClasses);
        register_module(nameof(avgpool), avgpool);
        register_module(nameof(this.dropout), this.dropout);
        register_module(nameof(fc), fc);
        InitWeights();
    }

    /// <inheritdoc />
    public bool AuxLogits { get; }

    /// <inheritdoc />
    public double AuxLossWeight => 0.4;

    /// <inheritdoc />
    public override string ClassifierName => "fc";

    /// <summary>
    /// torchvision's initialisation: truncated normal weights for convolutions and linear layers
    /// (std 0.1, or 0.01 for the auxiliary 5x5 convolution and 0.001 for its linear layer), batch norm 1 and 0.
    /// </summary>
    private void InitWeights()
    {
        foreach (var (name, m) in named_modules())
        {
            switch (m)
            {
                case Conv2d conv: nn.init.trunc_normal_(conv.weight, 0, name == "AuxLogits.conv1.conv" ? 0.01 : 0.1, -2, 2); break;
                case Linear linear: nn.init.trunc_normal_(linear.weight, 0, name == "AuxLogits.fc" ? 0.001 : 0.1, -2, 2); break;
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
        foreach (var (_, module, feedsAux) in trunk)
        {
            var next = module.call(x); // the previous activation is freed at once, as in GoogLeNet's trunk
            if (!ReferenceEquals(x, input) && !ReferenceEquals(next, x)) x.Dispose();
            x = next;
            if (feedsAux && auxOutputs is not null && auxHead is not null) auxOutputs.Add(scope.MoveToOuter(auxHead.call(x)));
        }
        return scope.MoveToOuter(x);
    }

    /// <inheritdoc />
    public override Tensor features(Tensor input) => Trunk(input, null);

    /// <inheritdoc />
    public override Tensor head(Tensor features)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(fc.call(dropout.call(avgpool.call(features)).flatten(1)));
    }

    /// <inheritdoc />
    public AuxiliaryOutputs forward_with_aux(Tensor input)
    {
        CheckInput(input);
        var withAux = training && auxHead is not null;
        if (withAux && (input.size(2) < AuxMinimumSize || input.size(3) < AuxMinimumSize))
            throw new ArgumentException(
                $"{GetName()}'s auxiliary classifier needs at least {AuxMinimumSize}x{AuxMinimumSize} input in training, got {input.size(2)}x{input.size(3)}; " +
                "use forward, or build the network with auxLogits: false", nameof(input));
        var aux = withAux ? new List<Tensor>() : null;
        using var f = Trunk(input, aux);
        return new AuxiliaryOutputs(head(f), aux ?? new List<Tensor>());
    }

    /// <summary>Replaces the final classifier and, when present, the auxiliary classifier's last layer.</summary>
    public override void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        fc = Replace("fc", fc, nn.Linear(fc.in_features, numClasses));
        auxHead?.ResetClassifier(numClasses);
        NumClasses = numClasses;
    }
}
