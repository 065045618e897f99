using CnnMl.Torch;
using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models;

/// <summary>
/// Channels-last (NHWC) storage of a network's convolution weights and of its input batches: oneDNN
/// convolves that layout without reordering activations to and from its blocked layout around every
/// convolution, in training as in inference. What it pays, measured with libtorch 1.13 on the 2-core
/// AVX-512 machine (CPU time per SGD step, channels-last vs NCHW, PyTorch eager doing both):
/// EfficientNet-B0 1.37x, GoogLeNet 1.15x, DenseNet-121 1.15x, VGG-11-BN 1.1x, ResNet-18 (32x32)
/// 1.08x, ResNet-50 1.05x; LeNet-5's 6- and 16-channel maps gain nothing. Results differ from NCHW
/// only by float32 summation order. Under bfloat16 autocast the balance moves (images/s per SGD step,
/// channels-last vs NCHW, both sides alike): DenseNet-121 1.35x, ResNet-18 (32x32) 1.10x, ResNet-50
/// 0.95-0.98x, and EfficientNet-B0 0.90x, whose depthwise convolutions libtorch 1.13 runs slower
/// channels-last in bfloat16 (<see cref="PaysInBFloat16"/>).
/// </summary>
public static class ChannelsLastLayout
{
    /// <summary>The widest convolution (output channels) from which <see cref="Pays"/> is true.</summary>
    public const int MinimumWidth = 64;

    /// <summary>Whether the network's widest convolution has at least <see cref="MinimumWidth"/> output channels.</summary>
    public static bool Pays(nn.Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.modules().OfType<Conv2d>().Select(c => c.out_channels).DefaultIfEmpty(0).Max() >= MinimumWidth;
    }

    /// <summary>
    /// <see cref="Pays"/> for a network trained under bfloat16 autocast: false as well when it has a
    /// depthwise convolution (groups equal to its input channels, more than one).
    /// </summary>
    public static bool PaysInBFloat16(nn.Module network) =>
        Pays(network) && !network.modules().OfType<Conv2d>().Any(c => c.groups > 1 && c.groups == c.in_channels);

    /// <summary>
    /// Stores every convolution weight channels-last (or, with <paramref name="channels_last"/> false,
    /// back in the default NCHW layout), in place: the parameters keep their identity, so an optimizer
    /// made before or after sees the same tensors. Values are unchanged.
    /// </summary>
    public static void ConvertWeights(nn.Module network, bool channels_last = true)
    {
        ArgumentNullException.ThrowIfNull(network);
        var format = channels_last ? MemoryFormat.ChannelsLast : MemoryFormat.Contiguous;
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (var conv in network.modules().OfType<Conv2d>())
                conv.weight.set_data(conv.weight.to(format));
        }
    }

    /// <summary>A 4-D batch in channels-last layout (itself when already so; a new tensor otherwise).</summary>
    public static Tensor Batch(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return images.Dimensions != 4 || images.is_contiguous(channels_last) ? images : images.contiguous(channels_last);
    }
}
