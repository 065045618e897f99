using CnnMl.Torch.Native;
using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch.Distributed;

/// <summary>
/// PyTorch's DistributedDataParallel gradient synchronization, through c10d's own Reducer: the
/// gradients of <c>parameters</c> are averaged across the group's ranks by all-reduce in buckets,
/// each launched from an autograd hook as soon as its gradients are ready, so communication overlaps
/// the rest of the backward pass. Buckets follow 1.13's rules: one bucket in the first step, then
/// rebuilt in the order gradients became ready (a first bucket of 1 MiB, the others
/// <c>bucketCapMegabytes</c>). Call <see cref="BeforeForward"/> and, after the forward pass,
/// <see cref="PrepareForBackward"/> in every step whose gradients should be synchronized.
/// </summary>
public sealed class DistributedDataParallel : IDisposable
{
    /// <summary>PyTorch's default first bucket (dist._DEFAULT_FIRST_BUCKET_BYTES).</summary>
    public const long FirstBucketBytes = 1L << 20;

    private readonly DistributedSafeHandle handle;
    private readonly bool findUnusedParameters;

    /// <summary>
    /// Wraps the parameters (leaf tensors that require grad, in registration order) after checking that
    /// every rank has parameters of the same count, shapes and types.
    /// </summary>
    public unsafe DistributedDataParallel(ProcessGroup group, IReadOnlyList<torch.Tensor> parameters, double bucketCapMegabytes = 25, bool findUnusedParameters = false, bool gradientAsBucketView = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucketCapMegabytes, 0);
        if (parameters.Count == 0) throw new ArgumentException("DistributedDataParallel needs at least one parameter that requires grad", nameof(parameters));
        this.findUnusedParameters = findUnusedParameters;
        using var lease = new HandleLease(parameters);
        fixed (IntPtr* p = lease.Pointers)
            handle = DistributedSafeHandle.Adopt(cnn_ddp_create(group.Handle, p, parameters.Count, (long)(bucketCapMegabytes * 1024 * 1024), FirstBucketBytes,
                findUnusedParameters ? 1 : 0, gradientAsBucketView ? 1 : 0), cnn_ddp_free);
    }

    /// <summary>What DDP does before the module's forward in a synchronized step: runtime statistics, bucket rebuilding after the first step.</summary>
    public void BeforeForward() => TorchException.Check(cnn_ddp_before_forward(handle));

    /// <summary>Arms the all-reduce hooks for the backward pass of <paramref name="outputs"/> (consulted only with findUnusedParameters).</summary>
    public unsafe void PrepareForBackward(params torch.Tensor[] outputs)
    {
        var used = findUnusedParameters ? outputs : [];
        using var lease = new HandleLease(used);
        fixed (IntPtr* p = lease.Pointers) TorchException.Check(cnn_ddp_prepare_for_backward(handle, p, used.Length));
    }

    /// <summary>Records c10d's runtime statistics every <paramref name="steps"/> steps (c10d's default: the first 10, then every 100th).</summary>
    public void SetRuntimeStatisticsSampleRate(int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        TorchException.Check(cnn_ddp_set_runtime_stats_sample_rate(handle, steps));
    }

    /// <summary>
    /// The average over the sampled steps of c10d's timing <paramref name="name"/> (avg_forward_compute_time,
    /// avg_backward_compute_time, avg_backward_comm_time, avg_backward_compute_comm_overlap_time), or
    /// null before any step was sampled.
    /// </summary>
    public TimeSpan? AverageTime(string name)
    {
        var nanoseconds = cnn_ddp_logging_int(handle, name);
        if (nanoseconds == long.MinValue) throw TorchException.FromNative();
        return nanoseconds < 0 ? null : TimeSpan.FromTicks(nanoseconds / 100);
    }

    /// <summary>
    /// Makes every <see cref="Modules.BatchNorm2d"/> of <paramref name="network"/> normalize over the batches
    /// of all ranks of <paramref name="group"/> in training (torch.nn.SyncBatchNorm.convert_sync_batchnorm),
    /// or, with a null group, over this process's batch again; returns how many layers it changed.
    /// </summary>
    public static int ConvertSyncBatchNorm(torch.nn.Module network, ProcessGroup? group)
    {
        var layers = network.modules().OfType<Modules.BatchNorm2d>().ToList();
        foreach (var layer in layers) layer.SyncGroup = group;
        return layers.Count;
    }

    /// <summary>Removes the hooks and frees the buckets.</summary>
    public void Dispose() => handle.Dispose();
}
