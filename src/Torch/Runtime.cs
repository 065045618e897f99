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

        /// <summary>The CPU generator's state (a byte tensor), to restore later with <see cref="set_rng_state"/>.</summary>
        public static Tensor get_rng_state() => new(cnn_get_rng_state());

        /// <summary>Restores the CPU generator to a state from <see cref="get_rng_state"/>.</summary>
        public static void set_rng_state(Tensor new_state)
        {
            ArgumentNullException.ThrowIfNull(new_state);
            TorchException.Check(cnn_set_rng_state(new_state.Handle));
        }
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

        /// <summary>Waits for all work queued on a GPU to finish (a no-op without CUDA).</summary>
        public static void synchronize(int device = -1) => TorchException.Check(cnn_cuda_synchronize(device));
    }

    /// <summary>Process-wide backend settings, as torch.backends.</summary>
    public static class backends
    {
        /// <summary>cuDNN settings (torch.backends.cudnn); they take effect only with a CUDA libtorch.</summary>
        public static class cudnn
        {
            private static (bool Benchmark, bool Deterministic, bool AllowTf32) Flags
            {
                get
                {
                    TorchException.Check(cnn_get_cudnn_flags(out var b, out var d, out var t));
                    return (b != 0, d != 0, t != 0);
                }
            }

            /// <summary>Lets cuDNN time several convolution algorithms per input shape and keep the fastest (default false).</summary>
            public static bool benchmark
            {
                get => Flags.Benchmark;
                set => TorchException.Check(cnn_set_cudnn_flags(value ? 1 : 0, -1, -1));
            }

            /// <summary>Restricts cuDNN to deterministic algorithms (default false).</summary>
            public static bool deterministic
            {
                get => Flags.Deterministic;
                set => TorchException.Check(cnn_set_cudnn_flags(-1, value ? 1 : 0, -1));
            }

            /// <summary>Lets cuDNN convolutions use TF32 tensor cores on Ampere and later GPUs (default true, as PyTorch).</summary>
            public static bool allow_tf32
            {
                get => Flags.AllowTf32;
                set => TorchException.Check(cnn_set_cudnn_flags(-1, -1, value ? 1 : 0));
            }
        }

        /// <summary>CUDA settings (torch.backends.cuda).</summary>
        public static class cuda
        {
            /// <summary>cuBLAS matrix products (torch.backends.cuda.matmul).</summary>
            public static class matmul
            {
                /// <summary>Lets float32 matrix products use TF32 tensor cores (default false, as PyTorch).</summary>
                public static bool allow_tf32
                {
                    get => Tensor.Checked(cnn_get_matmul_allow_tf32()) == 1;
                    set => TorchException.Check(cnn_set_matmul_allow_tf32(value ? 1 : 0));
                }
            }
        }
    }

    /// <summary>
    /// Automatic mixed precision on this thread until disposed, as <c>with torch.autocast(device_type, dtype)</c>:
    /// convolutions and matrix products run in <paramref name="dtype"/> (bfloat16 or float16), reductions and
    /// losses stay in float32. Scopes nest; disposing restores the previous state.
    /// </summary>
    public static IDisposable autocast(DeviceType device_type, ScalarType dtype = ScalarType.BFloat16) => new AutocastScope(device_type, dtype);

    /// <summary>True when autocast is on for the device on this thread.</summary>
    public static bool is_autocast_enabled(DeviceType device_type = DeviceType.CUDA)
    {
        TorchException.Check(cnn_autocast_state((int)device_type, out var enabled, out _));
        return enabled != 0;
    }

    private sealed class AutocastScope : IDisposable
    {
        private readonly DeviceType device;
        private readonly int previousDtype;
        private readonly int wasEnabled;
        private readonly int thread = Environment.CurrentManagedThreadId;
        private bool disposed;

        public AutocastScope(DeviceType device, ScalarType dtype)
        {
            if (dtype is not (ScalarType.BFloat16 or ScalarType.Float16))
                throw new ArgumentException($"autocast casts to bfloat16 or float16, not {dtype}", nameof(dtype));
            this.device = device;
            TorchException.Check(cnn_autocast_state((int)device, out _, out previousDtype));
            TorchException.Check(cnn_autocast_enter((int)device, (int)dtype, out wasEnabled));
        }

        public void Dispose()
        {
            if (disposed) return;
            if (Environment.CurrentManagedThreadId != thread)
                throw new InvalidOperationException("an autocast scope must be disposed on the thread that opened it");
            disposed = true;
            TorchException.Check(cnn_autocast_exit((int)device, previousDtype, wasEnabled));
        }
    }
}
