using CnnMl.Torch.Native;
using static CnnMl.Torch.Native.NativeMethods;
using static CnnMl.Torch.torch;

namespace CnnMl.Torch.Modules;

/// <summary>The algorithm a <see cref="OneDnnConvolution"/> chose for the latest input shape.</summary>
public enum ConvolutionAlgorithm
{
    /// <summary>Not called yet.</summary>
    None = 0,

    /// <summary>oneDNN's direct convolution (what <c>at::conv2d</c> runs on the CPU).</summary>
    Direct = 1,

    /// <summary>Winograd's minimal filtering, F(4x4, 3x3) or F(2x2, 3x3), on weights transformed once.</summary>
    Winograd = 2,
}

/// <summary>
/// An inference-only convolution computed by oneDNN directly, bypassing <c>at::conv2d</c> for what
/// it never does: 3x3 stride-1 convolutions by Winograd's algorithm (a quarter of the
/// multiplications; measured 2x to 2.6x faster than the direct kernel on 16-channel-aligned layers
/// with oneDNN 2.6 on AVX-512) with the weights transformed once per input shape and kept, where
/// <c>at::conv2d</c> would transform nothing and recompute everything on each call. Other layers run
/// direct: through <c>at::conv2d</c> from batch 8 on, through oneDNN's direct primitive on the caller's
/// layout below it (measured 2-4x lower batch-1 latency than <c>at::conv2d</c> on the zoo's ResNets).
/// Winograd also needs the layer's blocked output to stay within 32 MiB (it coexists with the
/// caller's copy). Results agree with <c>at::conv2d</c> to float32 rounding (Winograd's transforms
/// add a few ulps: about 3e-6 relative on unit-scale layers).
/// <para>
/// A plan per input shape and layout is built on first use. The cache notices a weight written in
/// place or given new storage; a bias parameter replaced on the module needs a new object (as
/// <see cref="Conv2d.EnableOneDnnInference"/> does). Only calls without gradients are accepted.
/// </para>
/// </summary>
public sealed class OneDnnConvolution : IDisposable
{
    private readonly OneDnnConvolutionHandle handle;

    /// <summary>Creates the oneDNN convolution over <paramref name="conv"/>'s weight and bias (shared, not copied).</summary>
    /// <param name="conv">A float32 CPU convolution with groups = 1.</param>
    /// <param name="winogradWeightLimitBytes">
    /// The most bytes the Winograd-domain weights of one input shape may take (they are about 4x the
    /// raw weights for F(4x4, 3x3)); a larger layer runs the direct algorithm. 0 disables Winograd.
    /// </param>
    public unsafe OneDnnConvolution(Conv2d conv, long winogradWeightLimitBytes)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentOutOfRangeException.ThrowIfNegative(winogradWeightLimitBytes);
        if (!IsAvailable) throw new NotSupportedException("this CnnMl native library was built without oneDNN (install libdnnl-dev and rebuild)");
        long[] stride = [conv.Stride.Item1, conv.Stride.Item2];
        long[] padding = [conv.Padding.Item1, conv.Padding.Item2];
        long[] dilation = [conv.Dilation.Item1, conv.Dilation.Item2];
        IntPtr native;
        fixed (long* s = stride, p = padding, d = dilation)
            native = cnn_onednn_convolution_new(conv.weight.Handle, conv.bias?.Handle ?? TensorSafeHandle.Null, s, p, d, conv.groups, winogradWeightLimitBytes);
        if (native == IntPtr.Zero) throw TorchException.FromNative();
        handle = new OneDnnConvolutionHandle(native);
    }

    /// <summary>True when the native library was built with oneDNN (Debian's libdnnl-dev present at build time).</summary>
    public static bool IsAvailable { get; } = cnn_onednn_available() == 1;

    /// <summary>Whether <see cref="OneDnnConvolution"/> can run <paramref name="conv"/>: float32 on the CPU, groups = 1.</summary>
    public static bool Supports(Conv2d conv)
    {
        ArgumentNullException.ThrowIfNull(conv);
        return IsAvailable && conv.groups == 1 && conv.weight.device_type == DeviceType.CPU && conv.weight.dtype == ScalarType.Float32;
    }

    /// <summary>The convolution of a 4-D float32 CPU batch, in the input's layout (NCHW or channels-last). No gradients.</summary>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new Tensor(cnn_onednn_convolution_forward(handle, input.Handle));
    }

    /// <summary>The algorithm of the latest call's input shape.</summary>
    public ConvolutionAlgorithm LastAlgorithm => (ConvolutionAlgorithm)Math.Max(0, cnn_onednn_convolution_last_algorithm(handle));

    /// <summary>Bytes of Winograd-domain weights held for the input shapes seen so far.</summary>
    public long CachedWeightBytes => cnn_onednn_convolution_cached_bytes(handle);

    /// <summary>Frees the plans and transformed weights.</summary>
    public void Dispose() => handle.Dispose();
}
