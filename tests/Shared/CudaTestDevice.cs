using CnnMl.Torch;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static CnnMl.Torch.torch;

namespace CnnMl.Tests;

/// <summary>
/// The GPU the CUDA variants of the tests run on. CNNML_TEST_DEVICE=cuda makes a missing GPU a
/// failure (the GPU kit sets it), =cpu skips the CUDA tests; unset, they run when libtorch sees a
/// GPU and are reported as skipped (inconclusive) otherwise, at no cost.
/// </summary>
public static class CudaTestDevice
{
    /// <summary>True once a CUDA test has turned TF32 off for this process (PyTorch's default is on for cuDNN).</summary>
    public static bool ChangedTf32 { get; private set; }

    public static Device Get()
    {
        var setting = Environment.GetEnvironmentVariable("CNNML_TEST_DEVICE")?.Trim().ToLowerInvariant();
        if (setting == "cpu") Assert.Inconclusive("CNNML_TEST_DEVICE=cpu: CUDA test skipped");
        if (!cuda.is_available())
        {
            var why = $"no CUDA device visible to libtorch {__version__} ({cuda.device_count()} GPUs)";
            if (setting == "cuda") Assert.Fail($"CNNML_TEST_DEVICE=cuda but {why}");
            Assert.Inconclusive($"{why}: CUDA test skipped (CNNML_TEST_DEVICE=cuda makes this a failure)");
        }
        if (!ChangedTf32)
        {
            // Agreement with CPU reference values at the CPU tolerances needs full float32 convolutions:
            // PyTorch lets cuDNN use TF32 (10-bit mantissa) by default on Ampere and later.
            backends.cudnn.allow_tf32 = false;
            backends.cuda.matmul.allow_tf32 = false;
            ChangedTf32 = true;
        }
        return new Device(DeviceType.CUDA, 0);
    }
}
