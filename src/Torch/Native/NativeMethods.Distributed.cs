using System.Runtime.InteropServices;

namespace CnnMl.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr cnn_dist_store_create(string host, int port, int worldSize, int isServer, int waitForWorkers, long timeoutMs);
    [LibraryImport(Library)] internal static partial void cnn_dist_store_free(IntPtr store);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int cnn_dist_store_set(DistributedSafeHandle store, string key, byte* value, int length);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int cnn_dist_store_get(DistributedSafeHandle store, string key, byte* buffer, int capacity);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int cnn_dist_store_check(DistributedSafeHandle store, string key);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial long cnn_dist_store_add(DistributedSafeHandle store, string key, long delta);
    [LibraryImport(Library)] internal static partial int cnn_dist_backends();
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr cnn_dist_group_create(DistributedSafeHandle store, int rank, int worldSize, long timeoutMs, string masterAddress, int glooThreads, int nccl);
    [LibraryImport(Library)] internal static partial void cnn_dist_group_free(IntPtr group);
    [LibraryImport(Library)] internal static partial int cnn_dist_all_reduce(DistributedSafeHandle group, IntPtr* tensors, int count, int op);
    [LibraryImport(Library)] internal static partial int cnn_dist_broadcast_coalesced(DistributedSafeHandle group, IntPtr* tensors, int count, long bufferBytes, int root);
    [LibraryImport(Library)] internal static partial int cnn_dist_barrier(DistributedSafeHandle group);
    [LibraryImport(Library)] internal static partial IntPtr cnn_dist_sync_batch_norm(DistributedSafeHandle group, TensorSafeHandle input, TensorSafeHandle weight, TensorSafeHandle bias, TensorSafeHandle runningMean, TensorSafeHandle runningVar, double momentum, double eps);
    [LibraryImport(Library)] internal static partial IntPtr cnn_ddp_create(DistributedSafeHandle group, IntPtr* parameters, int count, long bucketBytes, long firstBucketBytes, int findUnusedParameters, int gradientAsBucketView);
    [LibraryImport(Library)] internal static partial void cnn_ddp_free(IntPtr ddp);
    [LibraryImport(Library)] internal static partial int cnn_ddp_before_forward(DistributedSafeHandle ddp);
    [LibraryImport(Library)] internal static partial int cnn_ddp_prepare_for_backward(DistributedSafeHandle ddp, IntPtr* outputs, int count);
    [LibraryImport(Library)] internal static partial int cnn_ddp_set_runtime_stats_sample_rate(DistributedSafeHandle ddp, int rate);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial long cnn_ddp_logging_int(DistributedSafeHandle ddp, string name);
}

/// <summary>Owns one native c10d object (store, process group or DDP reducer) and frees it with its own release function.</summary>
internal sealed class DistributedSafeHandle : SafeHandle
{
    private readonly Action<IntPtr> release;

    private DistributedSafeHandle(IntPtr handle, Action<IntPtr> release) : base(IntPtr.Zero, ownsHandle: true)
    {
        this.release = release;
        SetHandle(handle);
    }

    /// <summary>Wraps a handle a native create function returned, throwing its error when it returned null.</summary>
    public static DistributedSafeHandle Adopt(IntPtr handle, Action<IntPtr> release) =>
        handle == IntPtr.Zero ? throw TorchException.FromNative() : new DistributedSafeHandle(handle, release);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        release(handle);
        return true;
    }
}
