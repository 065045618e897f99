using System.Runtime.InteropServices;

namespace CnnMl.Torch.Native;

/// <summary>
/// The flat C ABI of native/ (libCnnMlNative.so). Functions returning a tensor return
/// <see cref="IntPtr.Zero"/> on failure; functions returning int return -1; the message is in
/// <see cref="cnn_last_error"/>. Tensor arguments are <see cref="TensorSafeHandle"/> so a tensor
/// cannot be freed while a call uses it.
/// </summary>
internal static partial class NativeMethods
{
    internal const string Library = "CnnMlNative";

    [LibraryImport(Library)] internal static partial IntPtr cnn_last_error();
    [LibraryImport(Library)] internal static partial IntPtr cnn_torch_version();

    [LibraryImport(Library)] internal static partial int cnn_manual_seed(long seed);
    [LibraryImport(Library)] internal static partial IntPtr cnn_get_rng_state();
    [LibraryImport(Library)] internal static partial int cnn_set_rng_state(TensorSafeHandle state);
    [LibraryImport(Library)] internal static partial int cnn_set_num_threads(int count);
    [LibraryImport(Library)] internal static partial int cnn_get_num_threads();
    [LibraryImport(Library)] internal static partial int cnn_cuda_is_available();
    [LibraryImport(Library)] internal static partial int cnn_cuda_device_count();
    [LibraryImport(Library)] internal static partial int cnn_cuda_synchronize(int deviceIndex);
    [LibraryImport(Library)] internal static partial int cnn_set_cudnn_flags(int benchmark, int deterministic, int allowTf32);
    [LibraryImport(Library)] internal static partial int cnn_get_cudnn_flags(out int benchmark, out int deterministic, out int allowTf32);
    [LibraryImport(Library)] internal static partial int cnn_set_matmul_allow_tf32(int allow);
    [LibraryImport(Library)] internal static partial int cnn_get_matmul_allow_tf32();
    [LibraryImport(Library)] internal static partial int cnn_autocast_enter(int deviceType, int dtype, out int wasEnabled);
    [LibraryImport(Library)] internal static partial int cnn_autocast_exit(int deviceType, int previousDtype, int wasEnabled);
    [LibraryImport(Library)] internal static partial int cnn_autocast_state(int deviceType, out int enabled, out int dtype);
    [LibraryImport(Library)] internal static partial int cnn_set_grad_enabled(int enabled);
    [LibraryImport(Library)] internal static partial int cnn_is_grad_enabled();
    [LibraryImport(Library)] internal static partial IntPtr cnn_inference_mode_enter();
    [LibraryImport(Library)] internal static partial void cnn_inference_mode_exit(IntPtr guard);
    [LibraryImport(Library)] internal static partial int cnn_is_inference_mode_enabled();

    internal static string LastError() => Marshal.PtrToStringUTF8(cnn_last_error()) ?? "unknown native error";
}
