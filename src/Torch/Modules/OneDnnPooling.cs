using CnnMl.Torch.Native;
using static CnnMl.Torch.Native.NativeMethods;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Modules;

/// <summary>
/// Inference pooling by oneDNN on the input's own layout (NCHW or channels-last), with
/// <c>max_pool2d</c> / <c>avg_pool2d</c>'s results: libtorch 1.13's NCHW pooling kernels are scalar
/// loops, 2x to 9x slower than oneDNN's on the shapes the zoo networks pool (2x2 max-pool of a
/// 64x6x28x28 batch: 1,850 us against 210 us). Without oneDNN in the native library, or for input
/// that is not a float32 CPU batch, the libtorch functions run.
/// </summary>
public static class OneDnnPooling
{
    /// <summary>What a window reduces to.</summary>
    public enum Kind
    {
        /// <summary>The window's maximum (padding never wins).</summary>
        Max = 0,

        /// <summary>The window's sum over its whole size, padding counted (<c>count_include_pad = true</c>).</summary>
        AverageIncludingPadding = 1,

        /// <summary>The mean of the window's real elements (<c>count_include_pad = false</c>).</summary>
        AverageExcludingPadding = 2,
    }

    /// <summary>Whether a call would go to oneDNN: no gradients recorded, a float32 CPU 4-D batch, oneDNN built in.</summary>
    public static bool Applies(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return OneDnnConvolution.IsAvailable && !is_grad_enabled() && input.device_type == DeviceType.CPU
            && input.dtype == ScalarType.Float32 && input.Dimensions == 4;
    }

    /// <summary>
    /// How many poolings oneDNN has computed on the calling thread, a diagnostic that tells its path from
    /// libtorch's: a <see cref="Pool"/> call that runs <c>max_pool2d</c> / <c>avg_pool2d</c> instead (input
    /// that is not a float32 CPU 4-D batch, a <c>ceil_mode</c> window overhanging the padding with
    /// <see cref="Kind.AverageIncludingPadding"/>, a native library built without oneDNN) leaves it unchanged.
    /// </summary>
    public static long ExecutionsOnThisThread => cnn_onednn_pool2d_executions();

    /// <summary>Pools <paramref name="input"/> with PyTorch's parameter conventions (stride defaults to the kernel). No gradients.</summary>
    public static unsafe Tensor Pool(Tensor input, Kind kind, long[] kernel_size, long[]? stride = null, long[]? padding = null, long[]? dilation = null, bool ceil_mode = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        var k = F.Pair(kernel_size, 1, nameof(kernel_size));
        var s = stride is null || stride.Length == 0 ? k : F.Pair(stride, 1, nameof(stride));
        var p = F.Pair(padding, 0, nameof(padding));
        var d = F.Pair(dilation, 1, nameof(dilation));
        fixed (long* kp = k, sp = s, pp = p, dp = d)
            return new Tensor(cnn_onednn_pool2d(input.Handle, (int)kind, kp, sp, pp, dp, ceil_mode ? 1 : 0));
    }
}
