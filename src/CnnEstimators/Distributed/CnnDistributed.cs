using System.Globalization;

namespace CnnMl.Trainers;

/// <summary>
/// The data-parallel job this process belongs to. Under a launcher (<c>cnnml train --nproc-per-node</c>,
/// or torchrun-style environment variables) every rank runs the same ML.NET program; the trainers
/// join the job on their first <c>Fit</c>, and the program asks <see cref="IsMainProcess"/> before
/// writing files, so that only rank 0 saves the model.
/// </summary>
public static class CnnDistributed
{
    private static readonly Lock gate = new();
    private static DistributedJob? job;

    /// <summary>This process's rank: the joined job's, else the environment's RANK, else 0.</summary>
    public static int Rank => job?.Options.Rank ?? EnvironmentInteger("RANK") ?? 0;

    /// <summary>The number of ranks: the joined job's, else the environment's WORLD_SIZE, else 1.</summary>
    public static int WorldSize => job?.Options.WorldSize ?? EnvironmentInteger("WORLD_SIZE") ?? 1;

    /// <summary>Whether this process is rank 0, the one that writes the model, curves and checkpoints.</summary>
    public static bool IsMainProcess => Rank == 0;

    /// <summary>Whether this process has joined a job of more than one rank.</summary>
    public static bool IsInitialized => job is not null;

    private static int? EnvironmentInteger(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>
    /// The job of <paramref name="options"/>, met once per process (as torch.distributed.init_process_group)
    /// and kept for later Fit calls; asking for another job afterwards is an error.
    /// </summary>
    internal static DistributedJob Join(DistributedTrainingOptions options)
    {
        lock (gate)
        {
            if (job is { } current)
            {
                if (current.Options.Rank != options.Rank || current.Options.WorldSize != options.WorldSize
                    || current.Options.MasterAddress != options.MasterAddress || current.Options.MasterPort != options.MasterPort)
                    throw new InvalidOperationException($"this process already trains as rank {current.Options.Rank} of {current.Options.WorldSize} (store {current.StoreAddress}); "
                        + $"it cannot also join rank {options.Rank} of {options.WorldSize} at {options.MasterAddress}:{options.MasterPort}");
                return current;
            }
            job = new DistributedJob(options);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Leave();
            return job;
        }
    }

    /// <summary>Leaves the job (closing this rank's connections; rank 0's store closes with it).</summary>
    public static void Leave()
    {
        lock (gate)
        {
            job?.Dispose();
            job = null;
        }
    }
}
