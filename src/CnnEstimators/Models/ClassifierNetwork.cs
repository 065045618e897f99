using static CnnMl.Torch.torch;

namespace CnnMl.Models;

/// <summary>
/// An image classifier whose forward pass is split into a feature extractor and a classification
/// head (as timm's <c>forward_features</c> / <c>forward_head</c>), so it can be fine-tuned for another
/// class count or used as a featurizer.
/// </summary>
public interface IClassifierNetwork
{
    /// <summary>Number of output classes (logits per sample).</summary>
    int NumClasses { get; }

    /// <summary>Number of input image channels.</summary>
    int InChannels { get; }

    /// <summary>Smallest height and width (pixels) the network accepts.</summary>
    int MinimumInputSize { get; }

    /// <summary>The only input size the network accepts, for networks with a fixed-size flatten; null when any size from <see cref="MinimumInputSize"/> up works.</summary>
    int? RequiredInputSize { get; }

    /// <summary>Dotted module name of the final classifier layer(s) (e.g. <c>fc</c>, <c>classifier.6</c>).</summary>
    string ClassifierName { get; }

    /// <summary>Runs the network up to (excluding) the classification head: (N, C, H, W) images to features.</summary>
    Tensor features(Tensor input);

    /// <summary>Runs the classification head: features from <see cref="features"/> to (N, classes) logits.</summary>
    Tensor head(Tensor features);

    /// <summary>
    /// Replaces the final classifier with a freshly initialised one for <paramref name="numClasses"/>
    /// classes (fine-tuning); every other parameter is kept.
    /// </summary>
    void ResetClassifier(int numClasses);
}

/// <summary>
/// Base of every CnnMl network: validates the input shape with a clear message, then runs
/// <see cref="features"/> and <see cref="head"/>.
/// </summary>
public abstract class ClassifierNetwork : nn.Module<Tensor, Tensor>, IClassifierNetwork
{
    /// <summary>Creates the network and validates the class and channel counts.</summary>
    /// <param name="name">Display name used in messages, e.g. "AlexNet".</param>
    /// <param name="numClasses">Number of output classes (at least 1).</param>
    /// <param name="inChannels">Number of input channels (at least 1).</param>
    /// <param name="minimumInputSize">Smallest height and width the network accepts.</param>
    protected ClassifierNetwork(string name, int numClasses, int inChannels, int minimumInputSize) : base(name)
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"{name} needs at least one class");
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, $"{name} needs at least one input channel");
        NumClasses = numClasses;
        InChannels = inChannels;
        MinimumInputSize = minimumInputSize;
    }

    /// <inheritdoc />
    public int NumClasses { get; protected set; }

    /// <inheritdoc />
    public int InChannels { get; }

    /// <inheritdoc />
    public int MinimumInputSize { get; }

    /// <inheritdoc />
    public virtual int? RequiredInputSize => null;

    /// <inheritdoc />
    public abstract string ClassifierName { get; }

    /// <inheritdoc />
    public abstract Tensor features(Tensor input);

    /// <inheritdoc />
    public abstract Tensor head(Tensor features);

    /// <inheritdoc />
    public abstract void ResetClassifier(int numClasses);

    /// <summary>Parameter names of the classifier (what fine-tuning replaces), e.g. <c>fc.weight</c>, <c>fc.bias</c>.</summary>
    public IReadOnlyList<string> ClassifierParameterNames =>
        named_parameters().Select(p => p.name).Where(n => n.StartsWith(ClassifierName + ".", StringComparison.Ordinal)).ToList();

    /// <summary>Throws a clear <see cref="ArgumentException"/> unless <paramref name="input"/> is (N, InChannels, H, W) with a size the network accepts.</summary>
    public void CheckInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var shape = input.shape;
        if (shape.Length != 4)
            throw new ArgumentException($"{GetName()} expects (N, C, H, W) input, got shape [{string.Join(", ", shape)}]", nameof(input));
        if (shape[1] != InChannels)
            throw new ArgumentException($"{GetName()} expects {InChannels} input channel(s), got {shape[1]}", nameof(input));
        var (h, w) = (shape[2], shape[3]);
        if (RequiredInputSize is { } size && (h != size || w != size))
            throw new ArgumentException($"{GetName()} needs exactly {size}x{size} input, got {h}x{w}", nameof(input));
        if (h < MinimumInputSize || w < MinimumInputSize)
            throw new ArgumentException($"{GetName()} needs at least {MinimumInputSize}x{MinimumInputSize} input, got {h}x{w}", nameof(input));
    }

    /// <summary>Validates the input, then runs <see cref="features"/> and <see cref="head"/>.</summary>
    public override Tensor forward(Tensor input)
    {
        CheckInput(input);
        using var f = features(input);
        return head(f);
    }

    /// <summary>Disposes <paramref name="old"/> and registers <paramref name="replacement"/> under <paramref name="name"/>.</summary>
    protected T Replace<T>(string name, nn.Module? old, T replacement) where T : nn.Module
    {
        old?.Dispose();
        register_module(name, replacement);
        return replacement;
    }
}
