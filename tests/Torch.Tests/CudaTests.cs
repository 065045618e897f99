using CnnMl.Tests;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Tests;

/// <summary>
/// What a GPU adds to the binding: device moves, pinned memory with asynchronous copies, the CUDA
/// generator, modules and optimizer state on the device, autocast. Skipped (inconclusive) without CUDA.
/// </summary>
[TestClass]
public sealed class CudaTests
{
    [TestMethod]
    public void PinnedHostMemoryCopiesAsynchronouslyToTheGpuAndBack()
    {
        var gpu = CudaTestDevice.Get();
        using var scope = NewDisposeScope();
        var host = randn(64, 3, 8, 8);
        var pinned = host.pin_memory();
        Assert.IsTrue(pinned.is_pinned());
        Assert.IsFalse(host.is_pinned());
        var onGpu = pinned.to(gpu, non_blocking: true);
        Assert.AreEqual(DeviceType.CUDA, onGpu.device_type);
        cuda.synchronize();
        CollectionAssert.AreEqual(host.ToArray<float>(), onGpu.cpu().ToArray<float>());
        // A narrowed pinned buffer refilled from managed memory, as the trainers' input pipeline does.
        var values = Enumerable.Range(0, 2 * 3 * 8 * 8).Select(i => (float)i).ToArray();
        pinned.narrow(0, 0, 2).CopyFrom<float>(values);
        var part = pinned.narrow(0, 0, 2).to(gpu, non_blocking: true);
        CollectionAssert.AreEqual(values, part.ToArray<float>());
    }

    [TestMethod]
    public void ManualSeedMakesCudaSamplingRepeatable()
    {
        var gpu = CudaTestDevice.Get();
        using var scope = NewDisposeScope();
        manual_seed(123);
        var a = randn(new long[] { 1000 }, device: gpu).cpu().ToArray<float>();
        manual_seed(123);
        var b = randn(new long[] { 1000 }, device: gpu).cpu().ToArray<float>();
        CollectionAssert.AreEqual(a, b);
    }

    [TestMethod]
    public void ModuleAndSgdMomentumTrainOnTheGpuLikeOnTheCpu()
    {
        var gpu = CudaTestDevice.Get();
        using var scope = NewDisposeScope();
        manual_seed(7);
        var x = randn(32, 3, 12, 12);
        var y = randint(0, 5, new long[] { 32 });
        var weights = new List<float[]>();
        foreach (var device in new[] { CPU, gpu })
        {
            manual_seed(11);
            using var model = nn.Sequential(("conv", nn.Conv2d(3, 8, 3, padding: 1)), ("bn", nn.BatchNorm2d(8)), ("relu", nn.ReLU()),
                ("pool", nn.AdaptiveAvgPool2d(1)), ("flat", nn.Flatten()), ("fc", nn.Linear(8, 5)));
            model.to(device);
            Assert.IsTrue(model.parameters().All(p => p.device_type == device.type));
            using var sgd = optim.SGD(model.parameters(), 0.05, momentum: 0.9, weight_decay: 1e-4);
            var xd = x.to(device);
            var yd = y.to(device);
            for (int step = 0; step < 5; step++)
            {
                sgd.zero_grad();
                F.cross_entropy(model.call(xd), yd).backward();
                sgd.step();
            }
            Assert.IsTrue(model.parameters().All(p => p.device_type == device.type), "parameters and their updates stay on the device");
            weights.Add(model.parameters().SelectMany(p => p.cpu().ToArray<float>()).ToArray());
        }
        TensorAssert.Close(weights[0].Select(v => (double)v).ToArray(), weights[1].Select(v => (double)v).ToArray(), "weights after 5 steps", rtol: 1e-4, atol: 1e-5);
    }

    [TestMethod]
    public void AutocastRunsGpuConvolutionsInBFloat16()
    {
        var gpu = CudaTestDevice.Get();
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 4, 3, 16, 16 }, device: gpu);
        var w = randn(new long[] { 8, 3, 3, 3 }, device: gpu);
        using (autocast(DeviceType.CUDA, ScalarType.BFloat16))
        {
            var y = F.conv2d(x, w);
            Assert.AreEqual(ScalarType.BFloat16, y.dtype);
            Assert.AreEqual(ScalarType.Float32, F.log_softmax(y.flatten(1), 1).dtype, "autocast keeps log_softmax in float32");
        }
        Assert.AreEqual(ScalarType.Float32, F.conv2d(x, w).dtype);
    }

    [TestMethod]
    public void CudaShortcutsMoveTensorsAndModules()
    {
        CudaTestDevice.Get();
        using var scope = NewDisposeScope();
        var x = randn(2, 3).cuda();
        Assert.AreEqual(DeviceType.CUDA, x.device_type);
        Assert.IsTrue(x.device_index >= 0, "a CUDA tensor names its GPU");
        using var linear = nn.Linear(3, 4);
        Assert.AreSame(linear, linear.cuda());
        Assert.IsTrue(linear.parameters().All(p => p.device_type == DeviceType.CUDA));
        Assert.AreEqual(DeviceType.CUDA, linear.call(x).device_type);
        linear.cpu();
        Assert.IsTrue(linear.parameters().All(p => p.device_type == DeviceType.CPU));
    }
}
