using System.Runtime.InteropServices;
using CnnMl.Tests;
using static CnnMl.Torch.torch;

namespace CnnMl.Torch.Tests;

[TestClass]
public sealed class RuntimeTests
{
    [TestMethod]
    public unsafe void SetNumThreadsAlsoSizesOpenBlasPool()
    {
        // libtorch loads OpenBLAS (Debian's libopenblas0-pthread); its pool is separate from OpenMP's.
        // A libtorch built with MKL (PyTorch's wheels) maps none, and loading one here would test a copy nobody uses.
        IntPtr export = IntPtr.Zero;
        if (!File.ReadLines("/proc/self/maps").Any(line => line.Contains("libopenblas", StringComparison.Ordinal)) ||
            !NativeLibrary.TryLoad("libopenblas.so.0", out var blas) ||
            !NativeLibrary.TryGetExport(blas, "openblas_get_num_threads", out export))
        {
            Assert.Inconclusive("OpenBLAS is not the BLAS of this process");
        }
        var openblasGetNumThreads = (delegate* unmanaged<int>)export;
        var before = get_num_threads();
        try
        {
            set_num_threads(1);
            Assert.AreEqual(1, get_num_threads());
            Assert.AreEqual(1, openblasGetNumThreads());
            set_num_threads(2);
            Assert.AreEqual(2, get_num_threads());
            Assert.AreEqual(2, openblasGetNumThreads());
        }
        finally
        {
            set_num_threads(before);
        }
    }
    [TestMethod]
    public void BackendFlagsRoundTripAndStartAtPyTorchDefaults()
    {
        Assert.IsFalse(backends.cudnn.benchmark);
        Assert.IsFalse(backends.cudnn.deterministic);
        // The CUDA tests turn TF32 off for the whole process (CudaTestDevice); the defaults hold before that.
        if (!CudaTestDevice.ChangedTf32) Assert.IsTrue(backends.cudnn.allow_tf32);
        Assert.IsFalse(backends.cuda.matmul.allow_tf32);
        var cudnnTf32 = backends.cudnn.allow_tf32;
        try
        {
            backends.cudnn.benchmark = true;
            backends.cuda.matmul.allow_tf32 = true;
            Assert.IsTrue(backends.cudnn.benchmark);
            Assert.AreEqual(cudnnTf32, backends.cudnn.allow_tf32, "setting one flag leaves the others");
            Assert.IsTrue(backends.cuda.matmul.allow_tf32);
        }
        finally
        {
            backends.cudnn.benchmark = false;
            backends.cuda.matmul.allow_tf32 = false;
        }
    }

    [TestMethod]
    public void AutocastRunsConvolutionsInBFloat16AndRestoresTheOuterState()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 8, 8);
        var w = randn(4, 3, 3, 3);
        Assert.IsFalse(is_autocast_enabled(DeviceType.CPU));
        using (autocast(DeviceType.CPU, ScalarType.BFloat16))
        {
            Assert.IsTrue(is_autocast_enabled(DeviceType.CPU));
            var y = nn.functional.conv2d(x, w);
            Assert.AreEqual(ScalarType.BFloat16, y.dtype);
            TensorAssert.Close(nn.functional.conv2d(x.to(ScalarType.BFloat16), w.to(ScalarType.BFloat16)).to(ScalarType.Float32), y.to(ScalarType.Float32), "autocast conv", rtol: 1e-2);
            using (autocast(DeviceType.CPU, ScalarType.BFloat16)) Assert.IsTrue(is_autocast_enabled(DeviceType.CPU));
            Assert.IsTrue(is_autocast_enabled(DeviceType.CPU), "an inner scope restores the outer one");
        }
        Assert.IsFalse(is_autocast_enabled(DeviceType.CPU));
        Assert.AreEqual(ScalarType.Float32, nn.functional.conv2d(x, w).dtype);
        Assert.ThrowsException<ArgumentException>(() => autocast(DeviceType.CPU, ScalarType.Float32));
    }
}
