using CnnMl.Torch;
using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models;

/// <summary>
/// What <see cref="InferenceNetwork.Optimize"/> does to a network. Each switch can be turned off on
/// its own, so a benchmark can show what each contributes.
/// </summary>
public sealed class InferenceOptions
{
    /// <summary>Fold every batch norm that directly follows a convolution into it (<see cref="BatchNormFolding"/>). Default true.</summary>
    public bool FoldBatchNorm { get; set; } = true;

    /// <summary>
    /// Run under <c>inference_mode</c> (no autograd bookkeeping: no version counters, no view
    /// tracking) rather than <c>no_grad</c>. Default true.
    /// </summary>
    public bool InferenceMode { get; set; } = true;

    /// <summary>
    /// Store convolution weights and feed inputs in the channels-last (NHWC) layout, which oneDNN
    /// convolves without reordering activations to and from its blocked layout around every
    /// convolution. Null (default): on when the network's widest convolution has at least
    /// <see cref="ChannelsLastMinimumWidth"/> output channels. Measured with libtorch 1.13 on a 2-core
    /// AVX-512 machine (CPU time per batch, channels-last vs NCHW): 1.3x (ResNet-50 at 112x112),
    /// 1.2x (DenseNet-121), 1.65x (EfficientNet-B0), 2x (GoogLeNet), 1.07x (VGG-11-BN), about 1.0x
    /// (ResNet-18 at 32x32), but slower for LeNet-5, whose 6- and 16-channel maps cost more to
    /// reorder than they gain.
    /// </summary>
    public bool? ChannelsLast { get; set; }

    /// <summary>
    /// Run the convolutions (float32, CPU, groups = 1) through <see cref="OneDnnConvolution"/>: 3x3
    /// stride-1 layers by Winograd's algorithm on weights transformed once, the others by oneDNN's
    /// direct algorithm (small batches) or <c>conv2d</c>; and max / average pooling through
    /// <see cref="OneDnnPooling"/>. Default true; ignored where the native library was built without
    /// oneDNN (<see cref="OneDnnConvolution.IsAvailable"/>) and on a GPU.
    /// </summary>
    public bool OneDnnKernels { get; set; } = true;

    /// <summary>
    /// The most bytes one convolution's Winograd-domain weights may take for one input shape (about
    /// 4x its raw weights); a larger layer runs the direct algorithm. Bounds the memory the transformed
    /// weights add. Default <see cref="DefaultWinogradWeightLimitBytes"/>; 0 disables Winograd.
    /// </summary>
    public long WinogradWeightLimitBytes { get; set; } = DefaultWinogradWeightLimitBytes;

    /// <summary>
    /// The precision of the forward pass: <see cref="InferencePrecision.Float32"/> (default) or, as an opt-in,
    /// <see cref="InferencePrecision.BFloat16"/> (CPU or CUDA) or <see cref="InferencePrecision.Float16"/>
    /// (CUDA) under libtorch's autocast, the logits returned as float32. <see cref="OneDnnKernels"/> does not
    /// apply to a lower precision: its kernels are float32, and autocast runs libtorch's own
    /// bfloat16 convolutions (oneDNN's, on the CPU).
    /// </summary>
    public InferencePrecision Precision { get; set; } = InferencePrecision.Float32;

    /// <summary>16 MiB: a 256→256-channel 3x3 layer (9.4 MB transformed) qualifies, a 512→512 one (38 MB) does not.</summary>
    public const long DefaultWinogradWeightLimitBytes = 16L << 20;

    /// <summary>The widest convolution (output channels) from which <see cref="ChannelsLast"/> = null chooses channels-last.</summary>
    public const int ChannelsLastMinimumWidth = ChannelsLastLayout.MinimumWidth;

    /// <summary>No optimization: the network as trained, under <c>no_grad</c> (what PyTorch eager users write).</summary>
    public static InferenceOptions None => new() { FoldBatchNorm = false, InferenceMode = false, ChannelsLast = false, OneDnnKernels = false };
}

/// <summary>
/// A network prepared for fast inference: batch norms folded into their convolutions, optionally
/// channels-last weights, convolutions and pooling on oneDNN (Winograd for 3x3 stride-1 layers), and
/// every call under <c>inference_mode</c>. The wrapped network is changed
/// in place and can no longer be trained (its folded batch norms refuse training mode); optimize a
/// copy when the original weights are still needed, as <c>CnnClassificationTransformer</c> does for
/// scoring while its model file keeps the unfolded weights.
/// <code>
/// using var fast = InferenceNetwork.Optimize(network);   // network.eval() first
/// using var logits = fast.Predict(images);
/// </code>
/// </summary>
public sealed class InferenceNetwork : IDisposable
{
    private readonly bool ownsNetwork;

    private InferenceNetwork(ClassifierNetwork network, InferenceOptions options, IReadOnlyList<ConvBatchNormPair> folded, bool ownsNetwork)
    {
        Network = network;
        Options = options;
        FoldedPairs = folded;
        this.ownsNetwork = ownsNetwork;
    }

    /// <summary>The optimized network (folded in place).</summary>
    public ClassifierNetwork Network { get; }

    /// <summary>The optimizations applied (a copy of what was passed, with <see cref="InferenceOptions.ChannelsLast"/> resolved).</summary>
    public InferenceOptions Options { get; }

    /// <summary>The convolution / batch norm pairs that were folded, in execution order.</summary>
    public IReadOnlyList<ConvBatchNormPair> FoldedPairs { get; }

    /// <summary>
    /// Optimizes <paramref name="network"/> in place for inference. The network must be in evaluation
    /// mode (<see cref="InvalidOperationException"/> otherwise).
    /// </summary>
    /// <param name="network">The network to optimize; it stays usable only for inference.</param>
    /// <param name="options">The optimizations; default all, channels-last where it pays (see <see cref="InferenceOptions"/>).</param>
    /// <param name="ownsNetwork">True to dispose the network with this object.</param>
    public static InferenceNetwork Optimize(ClassifierNetwork network, InferenceOptions? options = null, bool ownsNetwork = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new InferenceOptions();
        BatchNormFolding.RequireEvaluationMode(network, "inference optimization");
        var device = network.parameters().Select(p => p.device).FirstOrDefault() ?? CPU;
        if (options.Precision == InferencePrecision.Float16 && device.type != DeviceType.CUDA)
            throw new ArgumentException($"InferenceOptions.Precision Float16 needs a CUDA device, and the network is on {device}: libtorch's CPU autocast runs bfloat16 only (use InferencePrecision.BFloat16)", nameof(options));
        if (!Enum.IsDefined(options.Precision))
            throw new ArgumentOutOfRangeException(nameof(options), options.Precision, "InferenceOptions.Precision must be Float32, BFloat16 or Float16");
        var oneDnn = options.OneDnnKernels && options.Precision == InferencePrecision.Float32;
        var folded = options.FoldBatchNorm ? BatchNormFolding.Fold(network) : [];
        var channelsLast = options.ChannelsLast ?? ChannelsLastLayout.Pays(network);
        if (channelsLast) ChannelsLastLayout.ConvertWeights(network);
        if (oneDnn)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(options.WinogradWeightLimitBytes, nameof(options.WinogradWeightLimitBytes));
            foreach (var conv in network.modules().OfType<Conv2d>().Where(OneDnnConvolution.Supports))
                conv.EnableOneDnnInference(options.WinogradWeightLimitBytes);
            foreach (var pool in network.modules().OfType<MaxPool2d>()) pool.OneDnnInference = true;
            foreach (var pool in network.modules().OfType<AvgPool2d>()) pool.OneDnnInference = true;
        }
        var copy = new InferenceOptions
        {
            FoldBatchNorm = options.FoldBatchNorm,
            InferenceMode = options.InferenceMode,
            ChannelsLast = channelsLast,
            OneDnnKernels = oneDnn,
            WinogradWeightLimitBytes = options.WinogradWeightLimitBytes,
            Precision = options.Precision,
        };
        return new InferenceNetwork(network, copy, folded, ownsNetwork);
    }

    /// <summary>
    /// Float32 logits (N, classes) of a batch of images (N, C, H, W), computed under <c>inference_mode</c>
    /// (or <c>no_grad</c> when that option is off) and, for a lower <see cref="InferenceOptions.Precision"/>,
    /// under autocast. The result cannot take part in autograd.
    /// </summary>
    public Tensor Predict(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using IDisposable mode = Options.InferenceMode ? inference_mode() : no_grad();
        var nhwc = Options.ChannelsLast == true ? ChannelsLastLayout.Batch(images) : images;
        try
        {
            if (Options.Precision == InferencePrecision.Float32) return Network.call(nhwc);
            Tensor logits;
            using (autocast(images.device.type, Options.Precision == InferencePrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float16))
                logits = Network.call(nhwc);
            if (logits.dtype == ScalarType.Float32) return logits;
            using (logits)
                return logits.to(ScalarType.Float32);
        }
        finally
        {
            if (!ReferenceEquals(nhwc, images)) nhwc.Dispose();
        }
    }

    /// <summary>Disposes the network when this object owns it.</summary>
    public void Dispose()
    {
        if (ownsNetwork) Network.Dispose();
    }
}
