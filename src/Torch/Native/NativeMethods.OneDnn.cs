using System.Runtime.InteropServices;

namespace CnnMl.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int cnn_onednn_available();
    [LibraryImport(Library)] internal static partial IntPtr cnn_onednn_convolution_new(TensorSafeHandle weight, TensorSafeHandle? bias, long* stride, long* padding, long* dilation, long groups, long winograd_weight_limit);
    [LibraryImport(Library)] internal static partial IntPtr cnn_onednn_convolution_forward(OneDnnConvolutionHandle convolution, TensorSafeHandle input);
    [LibraryImport(Library)] internal static partial int cnn_onednn_convolution_last_algorithm(OneDnnConvolutionHandle convolution);
    [LibraryImport(Library)] internal static partial long cnn_onednn_convolution_cached_bytes(OneDnnConvolutionHandle convolution);
    [LibraryImport(Library)] internal static partial void cnn_onednn_convolution_free(IntPtr convolution);
    [LibraryImport(Library)] internal static partial IntPtr cnn_onednn_pool2d(TensorSafeHandle a, int kind, long* kernel, long* stride, long* padding, long* dilation, int ceil_mode);
    [LibraryImport(Library)] internal static partial long cnn_onednn_pool2d_executions();
}

/// <summary>Owns one native oneDNN convolution (its cached plans and transformed weights).</summary>
internal sealed class OneDnnConvolutionHandle : SafeHandle
{
    public OneDnnConvolutionHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public OneDnnConvolutionHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.cnn_onednn_convolution_free(handle);
        return true;
    }
}
