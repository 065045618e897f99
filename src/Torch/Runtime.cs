using System.Runtime.InteropServices;
using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch;

public static partial class torch
{
    /// <summary>
    /// libtorch starts with one intra-op thread in Debian's build; CnnMl uses every core unless
    /// OMP_NUM_THREADS says otherwise, as PyTorch builds with OpenMP default to.
    /// </summary>
    static torch()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_NUM_THREADS")))
            cnn_set_num_threads(Environment.ProcessorCount);
    }

    /// <summary>The libtorch version the native library was built against, e.g. "1.13.0".</summary>
    public static string __version__ => Marshal.PtrToStringUTF8(cnn_torch_version()) ?? "unknown";

    /// <summary>
    /// Sets the number of threads libtorch uses within an operation. The BLAS follows the same count
    /// (OpenBLAS keeps its own pool, which at::set_num_threads alone leaves at one thread per core).
    /// </summary>
    public static void set_num_threads(int num)
    {
        if (num < 1) throw new ArgumentOutOfRangeException(nameof(num), num, "the thread count must be at least 1");
        TorchException.Check(cnn_set_num_threads(num));
    }

    /// <summary>The number of threads libtorch uses within an operation.</summary>
    public static int get_num_threads() => cnn_get_num_threads();

    /// <summary>Random number generation.</summary>
    public static class random
    {
        /// <summary>Seeds the CPU and every CUDA generator; CPU training is then repeatable bit for bit.</summary>
        public static void manual_seed(long seed) => TorchException.Check(cnn_manual_seed(seed));
    }

    /// <summary>Seeds the CPU and every CUDA generator.</summary>
    public static void manual_seed(long seed) => random.manual_seed(seed);

    /// <summary>CUDA devices, as seen by the libtorch the native library was built against.</summary>
    public static class cuda
    {
        /// <summary>True when libtorch has CUDA support and at least one GPU is visible.</summary>
        public static bool is_available() => cnn_cuda_is_available() == 1;

        /// <summary>Number of visible GPUs (0 with a CPU-only libtorch).</summary>
        public static int device_count() => cnn_cuda_device_count();

        /// <summary>Waits for all work queued on a GPU to finish.</summary>
        public static void synchronize(int device = -1) => TorchException.Check(cnn_cuda_synchronize(device));
    }
}
