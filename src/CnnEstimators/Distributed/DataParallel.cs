using CnnMl.Models;
using CnnMl.Torch.Distributed;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers;

/// <summary>
/// One training run's data parallelism, as PyTorch's DistributedDataParallel provides it: rank 0's
/// weights and buffers copied to every rank at the start, gradients averaged by c10d's Reducer
/// (bucketed all-reduce overlapping the backward pass), rank 0's buffers sent before each step, and
/// the sums behind the metrics reduced across ranks.
/// </summary>
internal sealed class DataParallel : IDisposable
{
    private readonly DistributedJob job;
    private readonly DistributedDataParallel ddp;
    private readonly Tensor[] buffers;

    public DataParallel(DistributedJob job, ClassifierNetwork model, IReadOnlyList<Tensor> trainable)
    {
        this.job = job;
        var options = job.Options;
        buffers = options.BroadcastBuffers ? model.buffers().ToArray() : [];
        DistributedDataParallel? created = null;
        job.Collective("copying rank 0's initial weights", () =>
        {
            using (no_grad()) job.Group.BroadcastCoalesced(model.parameters().Concat(model.buffers()).ToArray());
            created = new DistributedDataParallel(job.Group, trainable, options.BucketCapMegabytes);
        });
        ddp = created!;
        if (options.SyncBatchNorm) DistributedDataParallel.ConvertSyncBatchNorm(model, job.Group);
        this.model = model;
    }

    private readonly ClassifierNetwork model;

    public DistributedTrainingOptions Options => job.Options;

    public int Rank => job.Options.Rank;

    public int WorldSize => job.Options.WorldSize;

    /// <summary>The c10d reducer, for its runtime statistics.</summary>
    public DistributedDataParallel Reducer => ddp;

    /// <summary>Before a training step's forward pass: DDP's bookkeeping and rank 0's buffers.</summary>
    public void BeforeForward(long step)
    {
        job.Step = step;
        job.Collective($"step {step + 1}'s start", () =>
        {
            ddp.BeforeForward();
            if (buffers.Length > 0)
                using (no_grad())
                    job.Group.BroadcastCoalesced(buffers);
        });
    }

    /// <summary>Arms the gradient all-reduce for the backward pass of <paramref name="loss"/>.</summary>
    public void PrepareForBackward(Tensor loss) => ddp.PrepareForBackward(loss);

    /// <summary>Runs the backward pass (and optimizer step) during which the gradients are all-reduced.</summary>
    public void Backward(long step, Action backwardAndStep) => job.Collective($"step {step + 1}'s gradient all-reduce", backwardAndStep);

    /// <summary>The sums of <paramref name="values"/> over the ranks.</summary>
    public double[] Sum(params double[] values)
    {
        using var sums = tensor(values, [values.Length]);
        job.Collective("reducing the metrics", () => job.Group.AllReduce([sums]));
        return sums.data<double>().ToArray();
    }

    /// <summary>The minimum and maximum of <paramref name="value"/> over the ranks.</summary>
    public (double Min, double Max) Range(double value)
    {
        using var extremes = tensor(new[] { -value, value }, [2]);
        job.Collective("comparing the ranks' progress", () => job.Group.AllReduce([extremes], ReduceOp.Max));
        var result = extremes.data<double>().ToArray();
        return (-result[0], result[1]);
    }

    /// <summary>Waits for every rank (rank 0's checkpoint written before the others read it, say).</summary>
    public void Barrier(string what) => job.Collective(what, job.Group.Barrier);

    /// <summary>Tells the other ranks why this rank stops.</summary>
    public void ReportFailure(Exception e) => job.ReportFailure(e);

    /// <summary>Frees the reducer; the network's batch norms go back to per-process statistics.</summary>
    public void Dispose()
    {
        DistributedDataParallel.ConvertSyncBatchNorm(model, null);
        ddp.Dispose();
    }
}
