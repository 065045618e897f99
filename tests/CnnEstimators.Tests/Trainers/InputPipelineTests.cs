using CnnMl.Tests;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// The input pipeline's reused host tensor: on the CPU the batch tensor is that tensor itself (no copy
/// per batch); on a GPU a batch's queued (non_blocking) copy out of the pinned tensor is never
/// overwritten by the next batch, even when nothing between the two waits for the device.
/// </summary>
[TestClass]
public sealed class InputPipelineTests
{
    private static TrainingInput Input(int channels, int size)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, channels, size, size));
        var column = builder.ToSchema()[0];
        return new TrainingInput(column, column, channels, size, size, ["a", "b"], false);
    }

    private static ImageBatch Batch(TrainingInput input, int count, float value)
    {
        var batch = new ImageBatch(count, input.ImageElements) { Count = count };
        Array.Fill(batch.Images, value);
        Array.Fill(batch.Labels, (long)value);
        return batch;
    }

    [TestMethod]
    public void OnTheCpuTheBatchTensorIsTheReusedHostTensor()
    {
        var input = Input(1, 8);
        using var pipeline = new InputPipeline(new AugmentationOptions(), input, CPU, seed: 1);
        using var scope = NewDisposeScope();
        var (first, _) = pipeline.Upload(Batch(input, 4, 1f), training: true);
        Assert.IsTrue(first.data<float>().ToArray().All(v => v == 1f));
        var (second, _) = pipeline.Upload(Batch(input, 4, 2f), training: true);
        Assert.IsTrue(second.data<float>().ToArray().All(v => v == 2f));
        Assert.IsTrue(first.data<float>().ToArray().All(v => v == 2f), "the CPU path copies each batch once, into the one host tensor, and hands that tensor on");
    }

    [TestMethod]
    public void OnAGpuTheNextBatchDoesNotOverwriteAQueuedCopy()
    {
        var gpu = CudaTestDevice.Get();
        var input = Input(3, 64);
        const int count = 256;
        using var pipeline = new InputPipeline(new AugmentationOptions(), input, gpu, seed: 1);
        using var scope = NewDisposeScope();
        // Some 100 ms of queued GPU work: the first batch's copy waits behind it while the host goes on.
        var busy = randn(new long[] { 4096, 4096 }, device: gpu);
        for (int i = 0; i < 40; i++) busy.mm(busy);
        var (first, firstLabels) = pipeline.Upload(Batch(input, count, 1f), training: false);
        var (second, _) = pipeline.Upload(Batch(input, count, 2f), training: false);
        Assert.AreEqual(count * input.ImageElements, first.eq(1f).sum().item<long>(), "the first batch on the device must hold the first batch's values, not the second's");
        Assert.AreEqual(count, firstLabels.eq(1L).sum().item<long>(), "the first batch's labels");
        Assert.AreEqual(count * input.ImageElements, second.eq(2f).sum().item<long>());
    }
}
