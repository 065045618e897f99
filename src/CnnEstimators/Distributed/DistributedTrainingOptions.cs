using System.Globalization;
using CnnMl.Torch;
using CnnMl.Torch.Distributed;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers;

/// <summary>Which c10d backend carries a data-parallel job's CUDA tensors (CPU tensors always go through Gloo).</summary>
public enum DistributedBackend
{
    /// <summary>NCCL when this native library has it and libtorch sees a GPU, else Gloo (what torch.distributed.init_process_group picks).</summary>
    Auto,

    /// <summary>Gloo for every tensor, CPU or CUDA (CUDA tensors are staged through host memory).</summary>
    Gloo,

    /// <summary>NCCL for CUDA tensors, Gloo for CPU ones ("cpu:gloo,cuda:nccl"); needs a libtorch 2.x with CUDA and NCCL, a GPU per rank, and training on CUDA.</summary>
    Nccl,
}

/// <summary>
/// Where this process sits in a data-parallel training job and how the job's ranks meet: the values
/// torchrun hands each process in its environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
/// MASTER_PORT), read by <see cref="FromEnvironment"/>, or set here. Each rank trains
/// <see cref="CnnTrainerOptions.BatchSize"/> images per step, so a step covers BatchSize x
/// <see cref="WorldSize"/> images.
/// </summary>
public sealed class DistributedTrainingOptions
{
    /// <summary>This process's rank, 0 to <see cref="WorldSize"/> - 1; rank 0 hosts the rendezvous store.</summary>
    public int Rank { get; set; }

    /// <summary>How many processes train together.</summary>
    public int WorldSize { get; set; } = 1;

    /// <summary>The rank among the processes on this machine (the CUDA device a rank trains on when no MLContext.GpuDeviceId is set).</summary>
    public int LocalRank { get; set; }

    /// <summary>The address of rank 0's machine, where the rendezvous store listens.</summary>
    public string MasterAddress { get; set; } = "127.0.0.1";

    /// <summary>The port of the rendezvous store (PyTorch's default, 29500).</summary>
    public int MasterPort { get; set; } = 29500;

    /// <summary>
    /// How long a rank waits for the others, at the rendezvous and in every collective, before it stops
    /// with an error naming the ranks that did not answer (PyTorch's default: 30 minutes).
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The size of a gradient bucket, reduced by one all-reduce (PyTorch DDP's bucket_cap_mb, 25).</summary>
    public double BucketCapMegabytes { get; set; } = 25;

    /// <summary>
    /// Sends rank 0's buffers (batch-norm running statistics) to the other ranks before each training
    /// step, as PyTorch DDP's broadcast_buffers (default true) does; batch statistics stay per rank.
    /// </summary>
    public bool BroadcastBuffers { get; set; } = true;

    /// <summary>
    /// Batch norms normalize over the batches of all ranks together in training (torch.nn.SyncBatchNorm,
    /// which PyTorch 1.13 runs on CUDA only; here on any device, through the job's process group); default false: each
    /// rank's batch alone, as DDP does by default. Costs two small all-reduces per batch norm and step.
    /// </summary>
    public bool SyncBatchNorm { get; set; }

    /// <summary>The backend for CUDA tensors (default <see cref="DistributedBackend.Auto"/>).</summary>
    public DistributedBackend Backend { get; set; }

    /// <summary>What <see cref="Backend"/> means on this machine: <see cref="DistributedBackend.Gloo"/> or <see cref="DistributedBackend.Nccl"/>.</summary>
    public DistributedBackend ResolveBackend() => Backend switch
    {
        DistributedBackend.Auto => ProcessGroup.IsNcclAvailable && cuda.is_available() ? DistributedBackend.Nccl : DistributedBackend.Gloo,
        var chosen => chosen,
    };

    /// <summary>Refuses <see cref="DistributedBackend.Nccl"/> where it cannot run: no NCCL in this native library, or training on a <paramref name="device"/> that is not CUDA.</summary>
    internal void CheckBackend(Device device)
    {
        if (Backend != DistributedBackend.Nccl) return;
        if (!ProcessGroup.IsNcclAvailable)
            throw new ArgumentException($"DistributedTrainingOptions.Backend is Nccl, but this native library was built against libtorch {__version__} without NCCL "
                + "(NCCL needs a libtorch 2.x built with CUDA and NCCL, through CNNML_LIBTORCH_DIR); use Gloo or Auto", nameof(Backend));
        if (device.type != DeviceType.CUDA)
            throw new ArgumentException($"DistributedTrainingOptions.Backend is Nccl, which carries CUDA tensors, and training runs on {device}; train on CUDA or use Gloo or Auto", nameof(Backend));
    }

    /// <summary>
    /// The environment's job, or null when WORLD_SIZE is unset: RANK and WORLD_SIZE are required together,
    /// LOCAL_RANK defaults to RANK, MASTER_ADDR to 127.0.0.1, MASTER_PORT to 29500, and
    /// CNNML_DIST_TIMEOUT_SECONDS (when set) gives <see cref="Timeout"/> and CNNML_DIST_BACKEND
    /// (auto, gloo or nccl) gives <see cref="Backend"/>.
    /// </summary>
    public static DistributedTrainingOptions? FromEnvironment()
    {
        var worldSize = Environment.GetEnvironmentVariable("WORLD_SIZE");
        if (string.IsNullOrEmpty(worldSize)) return null;
        var rank = Environment.GetEnvironmentVariable("RANK");
        if (string.IsNullOrEmpty(rank)) throw new InvalidOperationException("WORLD_SIZE is set but RANK is not: a distributed job sets both for every process (cnnml train --nproc-per-node does)");
        var options = new DistributedTrainingOptions
        {
            WorldSize = ParseVariable("WORLD_SIZE", worldSize),
            Rank = ParseVariable("RANK", rank),
            MasterAddress = Environment.GetEnvironmentVariable("MASTER_ADDR") is { Length: > 0 } address ? address : "127.0.0.1",
        };
        options.LocalRank = Environment.GetEnvironmentVariable("LOCAL_RANK") is { Length: > 0 } local ? ParseVariable("LOCAL_RANK", local) : options.Rank;
        if (Environment.GetEnvironmentVariable("MASTER_PORT") is { Length: > 0 } port) options.MasterPort = ParseVariable("MASTER_PORT", port);
        if (Environment.GetEnvironmentVariable("CNNML_DIST_TIMEOUT_SECONDS") is { Length: > 0 } timeout)
            options.Timeout = TimeSpan.FromSeconds(ParseVariable("CNNML_DIST_TIMEOUT_SECONDS", timeout));
        if (Environment.GetEnvironmentVariable("CNNML_DIST_BACKEND") is { Length: > 0 } backend)
            options.Backend = Enum.TryParse<DistributedBackend>(backend, ignoreCase: true, out var parsed) && !int.TryParse(backend, out _)
                ? parsed
                : throw new InvalidOperationException($"environment variable CNNML_DIST_BACKEND must be auto, gloo or nccl, got '{backend}'");
        options.Validate();
        return options;
    }

    private static int ParseVariable(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new InvalidOperationException($"environment variable {name} must be an integer, got '{value}'");

    /// <summary>Checks every option, naming the one at fault.</summary>
    public void Validate()
    {
        if (WorldSize < 1) throw new ArgumentOutOfRangeException(nameof(WorldSize), WorldSize, $"WorldSize must be at least 1, got {WorldSize}");
        if (Rank < 0 || Rank >= WorldSize) throw new ArgumentOutOfRangeException(nameof(Rank), Rank, $"Rank must be in [0, WorldSize - 1] = [0, {WorldSize - 1}], got {Rank}");
        if (LocalRank < 0) throw new ArgumentOutOfRangeException(nameof(LocalRank), LocalRank, $"LocalRank must be non-negative, got {LocalRank}");
        if (string.IsNullOrWhiteSpace(MasterAddress)) throw new ArgumentException("MasterAddress must name rank 0's machine", nameof(MasterAddress));
        if (MasterPort is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(MasterPort), MasterPort, $"MasterPort must be in [1, 65535], got {MasterPort}");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, $"Timeout must be positive, got {Timeout}");
        if (!Enum.IsDefined(Backend)) throw new ArgumentOutOfRangeException(nameof(Backend), Backend, $"Backend must be Auto, Gloo or Nccl, got {Backend}");
        if (!(BucketCapMegabytes > 0)) throw new ArgumentOutOfRangeException(nameof(BucketCapMegabytes), BucketCapMegabytes, $"BucketCapMegabytes must be positive, got {BucketCapMegabytes}");
    }
}
