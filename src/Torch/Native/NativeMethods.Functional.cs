using System.Runtime.InteropServices;

namespace CnnMl.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial IntPtr cnn_relu(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial IntPtr cnn_relu6(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial IntPtr cnn_silu(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial IntPtr cnn_sigmoid(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial IntPtr cnn_hardswish(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial IntPtr cnn_hardsigmoid(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial IntPtr cnn_gelu(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial IntPtr cnn_gelu_tanh(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial int cnn_relu_(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial int cnn_relu6_(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial int cnn_silu_(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial int cnn_sigmoid_(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial int cnn_hardswish_(TensorSafeHandle a);
    [LibraryImport(Library)] internal static partial IntPtr cnn_leaky_relu(TensorSafeHandle a, double slope);
    [LibraryImport(Library)] internal static partial IntPtr cnn_conv2d(TensorSafeHandle a, TensorSafeHandle? weight, TensorSafeHandle? bias, long* stride, long* padding, long* dilation, long groups);
    [LibraryImport(Library)] internal static partial IntPtr cnn_batch_norm(TensorSafeHandle a, TensorSafeHandle? running_mean, TensorSafeHandle? running_var, TensorSafeHandle? weight, TensorSafeHandle? bias, int training, double momentum, double eps);
    [LibraryImport(Library)] internal static partial IntPtr cnn_linear(TensorSafeHandle a, TensorSafeHandle? weight, TensorSafeHandle? bias);
    [LibraryImport(Library)] internal static partial IntPtr cnn_max_pool2d(TensorSafeHandle a, long* kernel, long* stride, long* padding, long* dilation, int ceil_mode);
    [LibraryImport(Library)] internal static partial IntPtr cnn_avg_pool2d(TensorSafeHandle a, long* kernel, long* stride, long* padding, int ceil_mode, int count_include_pad);
    [LibraryImport(Library)] internal static partial IntPtr cnn_adaptive_avg_pool2d(TensorSafeHandle a, long* output_size);
    [LibraryImport(Library)] internal static partial IntPtr cnn_adaptive_max_pool2d(TensorSafeHandle a, long* output_size);
    [LibraryImport(Library)] internal static partial IntPtr cnn_dropout(TensorSafeHandle a, double p, int training);
    [LibraryImport(Library)] internal static partial int cnn_dropout_(TensorSafeHandle a, double p, int training);
    [LibraryImport(Library)] internal static partial IntPtr cnn_softmax(TensorSafeHandle a, long dim);
    [LibraryImport(Library)] internal static partial IntPtr cnn_log_softmax(TensorSafeHandle a, long dim);
    [LibraryImport(Library)] internal static partial IntPtr cnn_cross_entropy(TensorSafeHandle a, TensorSafeHandle target, TensorSafeHandle? weight, long reduction, long ignore_index, double label_smoothing);
    [LibraryImport(Library)] internal static partial IntPtr cnn_nll_loss(TensorSafeHandle a, TensorSafeHandle target, TensorSafeHandle? weight, long reduction, long ignore_index);
    [LibraryImport(Library)] internal static partial IntPtr cnn_mse_loss(TensorSafeHandle a, TensorSafeHandle target, long reduction);
    [LibraryImport(Library)] internal static partial IntPtr cnn_local_response_norm(TensorSafeHandle a, long size, double alpha, double beta, double k);
}
