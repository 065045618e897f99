using System.Runtime.InteropServices;

namespace CnnMl.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int cnn_sgd_step(IntPtr* parameters, IntPtr* momentumBuffers, int count, double lr, double momentum, double dampening, double weightDecay, int nesterov, int maximize);
    [LibraryImport(Library)] internal static partial int cnn_adam_step(IntPtr* parameters, IntPtr* expAvgs, IntPtr* expAvgSqs, IntPtr* maxExpAvgSqs, long* steps, int count, double lr, double beta1, double beta2, double eps, double weightDecay, int amsgrad, int maximize, int decoupled);
    [LibraryImport(Library)] internal static partial int cnn_zero_grad(IntPtr* parameters, int count, int setToNone);
    [LibraryImport(Library)] internal static partial double cnn_clip_grad_norm(IntPtr* parameters, int count, double maxNorm);
}
