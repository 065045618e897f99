using System.Runtime.InteropServices;
using static CnnMl.Torch.torch;

namespace CnnMl.Torch.Tests;

[TestClass]
public sealed class RuntimeTests
{
    [TestMethod]
    public unsafe void SetNumThreadsAlsoSizesOpenBlasPool()
    {
        // libtorch loads OpenBLAS (Debian's libopenblas0-pthread); its pool is separate from OpenMP's.
        IntPtr export = IntPtr.Zero;
        if (!NativeLibrary.TryLoad("libopenblas.so.0", out var blas) ||
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
}
