using CnnMl.Torch;
using CnnMl.Torch.Distributed;

namespace CnnMl.Trainers;

/// <summary>This process's membership in a data-parallel job: the rendezvous store, the process group (Gloo, with NCCL for CUDA tensors when chosen) and the heartbeat.</summary>
internal sealed class DistributedJob : IDisposable
{
    private readonly TcpStore store;
    private readonly RankHeartbeat heartbeat;

    public DistributedJob(DistributedTrainingOptions options)
    {
        options.Validate();
        Options = options;
        StoreAddress = $"{options.MasterAddress}:{options.MasterPort}";
        try
        {
            store = new TcpStore(options.MasterAddress, options.MasterPort, options.WorldSize, options.Rank == 0, options.Timeout);
        }
        catch (TorchException e)
        {
            throw new DistributedTrainingException(options.Rank == 0
                ? $"rank 0 could not open the rendezvous store at {StoreAddress}, or not all {options.WorldSize} ranks joined it within the timeout ({options.Timeout}): {e.Message}"
                : $"rank {options.Rank} could not reach the rendezvous store at {StoreAddress} (rank 0's) within the timeout ({options.Timeout}): {e.Message}", options.Rank == 0 ? [] : [0], e);
        }
        try
        {
            Group = options.ResolveBackend() == DistributedBackend.Nccl
                ? ProcessGroup.GlooAndNccl(store, options.Rank, options.WorldSize, options.Timeout)
                : ProcessGroup.Gloo(store, options.Rank, options.WorldSize, options.Timeout);
            heartbeat = new RankHeartbeat(options);
        }
        catch (TorchException e)
        {
            Group?.Dispose();
            store.Dispose();
            throw new DistributedTrainingException($"rank {options.Rank} could not connect to the other ranks of the job at {StoreAddress} within {options.Timeout}: {e.Message}", [], e);
        }
    }

    public DistributedTrainingOptions Options { get; }

    public string StoreAddress { get; }

    public ProcessGroup Group { get; }

    /// <summary>The step this rank is in, for the others' diagnosis.</summary>
    public long Step
    {
        set => heartbeat.Step = value;
    }

    /// <summary>Rank 0's <paramref name="seed"/>, on every rank.</summary>
    public int AgreeOnSeed(int seed)
    {
        using var value = torch.tensor(new long[] { seed }, [1]);
        Collective("agreeing on the seed", () => Group.BroadcastCoalesced([value]));
        return (int)value.item<long>();
    }

    /// <summary>Runs a collective (or a backward pass that runs them); a failure becomes an error naming the ranks at fault.</summary>
    public void Collective(string what, Action action)
    {
        try
        {
            action();
        }
        catch (TorchException e)
        {
            var (description, ranks) = heartbeat.Diagnose(StoreAddress);
            throw new DistributedTrainingException($"rank {Options.Rank} stopped in {what}: {description} (timeout {Options.Timeout}): {e.Message}", ranks, e);
        }
    }

    /// <summary>Records why this rank stops, so the others' errors can say.</summary>
    public void ReportFailure(Exception e) => heartbeat.ReportFailure($"{e.GetType().Name}: {e.Message}");

    public void Dispose()
    {
        heartbeat.Dispose();
        Group.Dispose();
        store.Dispose();
    }
}
