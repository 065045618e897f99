using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models;

// AlexNet: Krizhevsky, Sutskever and Hinton, "ImageNet Classification with Deep Convolutional Neural
// Networks", NIPS 2012, in torchvision's single-tower layout (64/192/384/256/256 channels, after
// Krizhevsky, "One weird trick...", arXiv:1404.5997). Local response normalization (section 3.3) is optional.

/// <summary>
/// AlexNet in torchvision's layout and state_dict names (<c>features.0</c>, <c>classifier.6</c>):
/// 61,100,840 parameters at 1000 classes. Needs at least 63x63 input.
/// </summary>
public sealed class AlexNet : ClassifierNetwork
{
    /// <summary>Smallest input height and width: the three 3x3/2 max-pools need a 3x3 map before the last one.</summary>
    public const int MinimumSize = 63;

    private readonly Sequential features_;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    /// <summary>Creates AlexNet.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="localResponseNorm">
    /// Insert the paper's local response normalization (size 5, alpha 1e-4, beta 0.75, k 2) after the
    /// first two ReLUs. This shifts the <c>features</c> indices, so torchvision weights no longer load.
    /// </param>
    /// <param name="dropout">Dropout probability before the first two dense layers.</param>
    public AlexNet(int numClasses = 1000, int inChannels = 3, bool localResponseNorm = false, double dropout = 0.5)
        : base("AlexNet", numClasses, inChannels, MinimumSize)
    {
        LocalResponseNormalization = localResponseNorm;
        features_ = nn.Sequential();
        features_.append(nn.Conv2d(inChannels, 64, 11, stride: 4, padding: 2)).append(nn.ReLU(inplace: true));
        if (localResponseNorm) features_.append(Lrn());
        features_.append(nn.MaxPool2d(3, stride: 2));
        features_.append(nn.Conv2d(64, 192, 5, padding: 2)).append(nn.ReLU(inplace: true));
        if (localResponseNorm) features_.append(Lrn());
        features_.append(nn.MaxPool2d(3, stride: 2));
        features_.append(nn.Conv2d(192, 384, 3, padding: 1)).append(nn.ReLU(inplace: true));
        features_.append(nn.Conv2d(384, 256, 3, padding: 1)).append(nn.ReLU(inplace: true));
        features_.append(nn.Conv2d(256, 256, 3, padding: 1)).append(nn.ReLU(inplace: true));
        features_.append(nn.MaxPool2d(3, stride: 2));
        avgpool = nn.AdaptiveAvgPool2d(6);
        classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace: true),
            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(inplace: true),
            nn.Linear(4096, numClasses));
        register_module("features", features_);
        register_module("avgpool", avgpool);
        register_module("classifier", classifier);
    }

    private static LocalResponseNorm Lrn() => nn.LocalResponseNorm(5, alpha: 1e-4, beta: 0.75, k: 2);

    /// <summary>Whether the network has the paper's local response normalization layers.</summary>
    public bool LocalResponseNormalization { get; }

    /// <inheritdoc />
    public override string ClassifierName => "classifier.6";

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
        classifier[6] = nn.Linear(old.in_features, numClasses);
        old.Dispose();
        NumClasses = numClasses;
    }
}
