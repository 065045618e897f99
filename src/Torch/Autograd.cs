using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch;

public static partial class torch
{
    /// <summary>Restores the previous gradient mode when disposed.</summary>
    public sealed class GradModeScope : IDisposable
    {
        private readonly bool previous;
        private bool disposed;

        internal GradModeScope(bool enabled) => previous = cnn_set_grad_enabled(enabled ? 1 : 0) == 1;

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            cnn_set_grad_enabled(previous ? 1 : 0);
        }
    }

    /// <summary>Leaves inference mode when disposed; must be disposed on the thread that created it.</summary>
    public sealed class InferenceModeScope : IDisposable
    {
        private IntPtr guard;

        internal InferenceModeScope()
        {
            guard = cnn_inference_mode_enter();
            if (guard == IntPtr.Zero) throw TorchException.FromNative();
        }

        public void Dispose()
        {
            if (guard == IntPtr.Zero) return;
            cnn_inference_mode_exit(guard);
            guard = IntPtr.Zero;
        }
    }

    /// <summary>Disables gradient recording on this thread until the returned scope is disposed.</summary>
    public static GradModeScope no_grad() => new(false);

    /// <summary>Enables gradient recording on this thread until the returned scope is disposed.</summary>
    public static GradModeScope enable_grad() => new(true);

    /// <summary>Sets gradient recording on this thread until the returned scope is disposed.</summary>
    public static GradModeScope set_grad_enabled(bool enabled) => new(enabled);

    /// <summary>True when operations on this thread are recorded for autograd.</summary>
    public static bool is_grad_enabled() => cnn_is_grad_enabled() == 1;

    /// <summary>
    /// Inference mode (faster than no_grad: no version counters or view tracking) until the scope is
    /// disposed. Tensors created inside cannot later be used in autograd.
    /// </summary>
    public static InferenceModeScope inference_mode() => new();

    /// <summary>True inside an inference-mode scope.</summary>
    public static bool is_inference_mode_enabled() => cnn_is_inference_mode_enabled() == 1;
}
