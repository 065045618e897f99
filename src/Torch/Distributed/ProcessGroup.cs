using CnnMl.Torch.Native;
using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch.Distributed;

/// <summary>How <see cref="ProcessGroup.AllReduce"/> combines the ranks' tensors.</summary>
public enum ReduceOp
{
    /// <summary>Element-wise sum.</summary>
    Sum = 0,

    /// <summary>Element-wise minimum.</summary>
    Min = 1,

    /// <summary>Element-wise maximum.</summary>
    Max = 2,
}

/// <summary>
/// A c10d process group: <see cref="WorldSize"/> processes that run collectives together, each
/// knowing its <see cref="Rank"/>. Every rank must call the same collectives in the same order; a
/// rank that does not answer within the group's timeout makes the others' call fail.
/// </summary>
public sealed class ProcessGroup : IDisposable
{
    private ProcessGroup(DistributedSafeHandle handle, TcpStore store, int rank, int worldSize, string backend)
    {
        Handle = handle;
        Store = store;
        Rank = rank;
        WorldSize = worldSize;
        Backend = backend;
    }

    /// <summary>Whether this native library can create Gloo groups (torch.distributed.is_gloo_available()).</summary>
    public static bool IsGlooAvailable => (cnn_dist_backends() & 1) != 0;

    /// <summary>
    /// Whether this native library can send CUDA tensors through NCCL (torch.distributed.is_nccl_available()):
    /// built against a libtorch 2.x with CUDA and NCCL. Debian's libtorch 1.13 has neither.
    /// </summary>
    public static bool IsNcclAvailable => (cnn_dist_backends() & 2) != 0;

    /// <summary>
    /// A Gloo group over <paramref name="store"/> (which all ranks share), for CPU and CUDA tensors
    /// (torch.distributed's "gloo"). The transport binds the interface GLOO_SOCKET_IFNAME names when
    /// set, loopback when the store's host is a loopback address, else the address this host's name
    /// resolves to.
    /// </summary>
    public static ProcessGroup Gloo(TcpStore store, int rank, int worldSize, TimeSpan timeout, int threads = 2) =>
        Create(store, rank, worldSize, timeout, threads, nccl: false);

    /// <summary>
    /// A group whose CPU tensors go through Gloo (as in <see cref="Gloo"/>) and whose CUDA tensors go
    /// through NCCL (torch.distributed's "cpu:gloo,cuda:nccl", what init_process_group picks on a CUDA
    /// machine). Each rank must keep its tensors on its own GPU. NCCL's communicators are made on the
    /// first collective; a rank that stops answering is handled by NCCL's watchdog as in PyTorch (after
    /// the timeout it ends the process unless TORCH_NCCL_BLOCKING_WAIT=1 makes the waiting call throw).
    /// Fails with a message saying why when <see cref="IsNcclAvailable"/> is false or no GPU is visible.
    /// </summary>
    public static ProcessGroup GlooAndNccl(TcpStore store, int rank, int worldSize, TimeSpan timeout, int threads = 2) =>
        Create(store, rank, worldSize, timeout, threads, nccl: true);

    private static ProcessGroup Create(TcpStore store, int rank, int worldSize, TimeSpan timeout, int threads, bool nccl)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        var handle = DistributedSafeHandle.Adopt(cnn_dist_group_create(store.Handle, rank, worldSize, (long)timeout.TotalMilliseconds, store.Host, threads, nccl ? 1 : 0), cnn_dist_group_free);
        return new ProcessGroup(handle, store, rank, worldSize, nccl ? "cpu:gloo,cuda:nccl" : "gloo");
    }

    internal DistributedSafeHandle Handle { get; }

    /// <summary>The store the group met through, for small exchanges beside the collectives.</summary>
    public TcpStore Store { get; }

    /// <summary>This process's rank, 0-based.</summary>
    public int Rank { get; }

    /// <summary>How many processes the group has.</summary>
    public int WorldSize { get; }

    /// <summary>The c10d backends, as torch.distributed names them: "gloo" or "cpu:gloo,cuda:nccl".</summary>
    public string Backend { get; }

    /// <summary>Reduces each tensor across the ranks in place and waits for the result.</summary>
    public unsafe void AllReduce(IReadOnlyList<torch.Tensor> tensors, ReduceOp op = ReduceOp.Sum)
    {
        using var lease = new HandleLease(tensors);
        fixed (IntPtr* p = lease.Pointers) TorchException.Check(cnn_dist_all_reduce(Handle, p, tensors.Count, (int)op));
    }

    /// <summary>
    /// Overwrites the tensors on every rank with <paramref name="root"/>'s, sent in buffers of at most
    /// <paramref name="bufferBytes"/> bytes (c10d's broadcast_coalesced).
    /// </summary>
    public unsafe void BroadcastCoalesced(IReadOnlyList<torch.Tensor> tensors, long bufferBytes = 250L << 20, int root = 0)
    {
        if (tensors.Count == 0) return;
        using var lease = new HandleLease(tensors);
        fixed (IntPtr* p = lease.Pointers) TorchException.Check(cnn_dist_broadcast_coalesced(Handle, p, tensors.Count, bufferBytes, root));
    }

    /// <summary>
    /// Training-mode batch normalization of <paramref name="input"/> (N, C, H, W) with the per-channel mean
    /// and variance of every rank's batch together, as torch.nn.SyncBatchNorm computes them; differentiable
    /// (the backward pass all-reduces the input gradient's two per-channel sums). Updates the running
    /// statistics in place when given.
    /// </summary>
    public torch.Tensor SyncBatchNorm(torch.Tensor input, torch.Tensor? runningMean, torch.Tensor? runningVar, torch.Tensor? weight, torch.Tensor? bias, double momentum, double eps)
    {
        if (input.Dimensions != 4) throw new ArgumentException($"SyncBatchNorm expects 4-D input (N, C, H, W), got {input.Dimensions}-D", nameof(input));
        return new torch.Tensor(cnn_dist_sync_batch_norm(Handle, input.Handle, weight?.Handle ?? TensorSafeHandle.Null, bias?.Handle ?? TensorSafeHandle.Null,
            runningMean?.Handle ?? TensorSafeHandle.Null, runningVar?.Handle ?? TensorSafeHandle.Null, momentum, eps));
    }

    /// <summary>Returns once every rank has called it.</summary>
    public void Barrier() => TorchException.Check(cnn_dist_barrier(Handle));

    /// <summary>Leaves the group (the store stays open; dispose it separately).</summary>
    public void Dispose() => Handle.Dispose();
}
