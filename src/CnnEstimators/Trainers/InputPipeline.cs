using CnnMl.Torch;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Trainers;

/// <summary>
/// Turns a host batch into device tensors: one copy into a reused (pinned, for GPUs) tensor, then
/// augmentation in training (random crop with padding, horizontal flip) and normalization. On a GPU the
/// copy to the device is queued (non_blocking) and reads the pinned tensor later, so the next batch
/// waits for it before overwriting that tensor (<see cref="WaitForQueuedUpload"/>).
/// </summary>
internal sealed class InputPipeline : IDisposable
{
    private readonly AugmentationOptions augmentation;
    private readonly TrainingInput input;
    private readonly Device device;
    private Random random;
    private readonly Tensor? mean;
    private readonly Tensor? std;
    private Tensor? images;
    private Tensor? labels;
    private bool uploadQueued;

    public InputPipeline(AugmentationOptions augmentation, TrainingInput input, Device device, int seed)
    {
        this.augmentation = augmentation;
        this.input = input;
        this.device = device;
        random = new Random(seed);
        if (augmentation.NormalizeMean is { } m && augmentation.NormalizeStd is { } s)
        {
            if (m.Length != input.Channels || s.Length != input.Channels)
                throw new ArgumentException($"Augmentation.NormalizeMean and NormalizeStd need {input.Channels} values (one per channel), got {m.Length} and {s.Length}", "Augmentation");
            mean = tensor(m, new long[] { 1, m.Length, 1, 1 }, device).DetachFromDisposeScope();
            std = tensor(s, new long[] { 1, s.Length, 1, 1 }, device).DetachFromDisposeScope();
        }
    }

    /// <summary>Restarts the augmentation random sequence.</summary>
    public void Reseed(int seed) => random = new Random(seed);

    /// <summary>The batch as (images, labels) on the device; tensors belong to the caller's dispose scope.</summary>
    public (Tensor Images, Tensor Labels) Upload(ImageBatch batch, bool training)
    {
        var capacity = batch.Labels.Length;
        if (images is null)
        {
            var host = empty(new long[] { capacity, input.Channels, input.Height, input.Width }).DetachFromDisposeScope();
            var hostLabels = empty(new long[] { capacity }, ScalarType.Int64).DetachFromDisposeScope();
            images = device.type == DeviceType.CUDA ? Pin(host) : host;
            labels = device.type == DeviceType.CUDA ? Pin(hostLabels) : hostLabels;
        }
        var n = batch.Count;
        var x = images.narrow(0, 0, n);
        var y = labels!.narrow(0, 0, n);
        WaitForQueuedUpload();
        x.CopyFrom<float>(batch.Images.AsSpan(0, n * input.ImageElements));
        y.CopyFrom<long>(batch.Labels.AsSpan(0, n));
        if (device.type == DeviceType.CUDA)
        {
            x = x.to(device, non_blocking: true);
            y = y.to(device, non_blocking: true);
            uploadQueued = true;
        }
        if (training) x = Augment(x, n);
        if (mean is not null) x = (x - mean) / std!;
        return (x, y);
    }

    /// <summary>
    /// Waits until the previous batch's queued copy has read the pinned tensors, which the next batch
    /// overwrites. The binding has no CUDA events, so this synchronizes the device: no cost while each
    /// training step reads its loss back (which waits for the device anyway), and still correct if a
    /// step stops doing so. The CPU path never queues a copy and never waits.
    /// </summary>
    private void WaitForQueuedUpload()
    {
        if (!uploadQueued) return;
        cuda.synchronize(device.index);
        uploadQueued = false;
    }

    private static Tensor Pin(Tensor host)
    {
        using (host) return host.pin_memory().DetachFromDisposeScope();
    }

    private Tensor Augment(Tensor x, int n)
    {
        if (augmentation.RandomCropPadding > 0)
        {
            var p = augmentation.RandomCropPadding;
            var padded = F.pad(x, new long[] { p, p, p, p });
            var crops = new Tensor[n];
            for (int i = 0; i < n; i++)
                crops[i] = padded[i].narrow(1, random.Next(2 * p + 1), input.Height).narrow(2, random.Next(2 * p + 1), input.Width);
            x = stack(crops);
        }
        if (augmentation.RandomHorizontalFlip)
        {
            var flags = new bool[n];
            for (int i = 0; i < n; i++) flags[i] = random.Next(2) == 1;
            var mask = tensor(flags, device).reshape(n, 1, 1, 1);
            x = where(mask, x.flip(3), x);
        }
        return x;
    }

    public void Dispose()
    {
        images?.Dispose();
        labels?.Dispose();
        mean?.Dispose();
        std?.Dispose();
    }
}
