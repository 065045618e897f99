using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Modules;

/// <summary>Batch normalization over (N, C, H, W) (Ioffe and Szegedy 2015), with running statistics.</summary>
public sealed class BatchNorm2d : nn.Module<Tensor, Tensor>
{
    public BatchNorm2d(long num_features, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool track_running_stats = true)
        : base(nameof(BatchNorm2d))
    {
        if (num_features < 1) throw new ArgumentOutOfRangeException(nameof(num_features), num_features, "BatchNorm2d needs at least one feature");
        this.num_features = num_features;
        this.eps = eps;
        this.momentum = momentum;
        this.track_running_stats = track_running_stats;
        weight = affine ? new nn.Parameter(ones(num_features)) : null;
        bias = affine ? new nn.Parameter(zeros(num_features)) : null;
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
        if (track_running_stats)
        {
            running_mean = zeros(num_features);
            running_var = ones(num_features);
            num_batches_tracked = zeros(new long[0], ScalarType.Int64);
        }
        register_buffer(nameof(running_mean), running_mean);
        register_buffer(nameof(running_var), running_var);
        register_buffer(nameof(num_batches_tracked), num_batches_tracked);
    }

    public long num_features { get; }
    public double eps { get; }

    /// <summary>Weight of the newest batch in the running statistics; null for a cumulative average.</summary>
    public double? momentum { get; }
    public bool track_running_stats { get; }
    public nn.Parameter? weight { get; }
    public nn.Parameter? bias { get; }
    public Tensor? running_mean { get; }
    public Tensor? running_var { get; }
    public Tensor? num_batches_tracked { get; }

    /// <summary>
    /// True once this layer's evaluation-mode transform has been folded into the convolution that
    /// produces its input: forward then passes its input through unchanged and refuses to run in
    /// training mode. Set it only after scaling and shifting that convolution by exactly this layer's
    /// transform (and clear it only after undoing that); fold a copy of the network to keep the original.
    /// </summary>
    public bool IsFolded
    {
        get => isFolded;
        set
        {
            if (value && training) throw new InvalidOperationException("BatchNorm2d can only be folded in evaluation mode (call eval() first)");
            isFolded = value;
        }
    }

    private bool isFolded;

    /// <summary>
    /// The process group whose ranks' batches this layer normalizes over together in training mode, as
    /// torch.nn.SyncBatchNorm does (null: this process's batch alone). Evaluation mode uses the running
    /// statistics either way. <see cref="Distributed.DistributedDataParallel.ConvertSyncBatchNorm"/> sets it
    /// on every batch norm of a network.
    /// </summary>
    public Distributed.ProcessGroup? SyncGroup { get; set; }

    public override Tensor forward(Tensor input)
    {
        if (input.Dimensions != 4)
            throw new ArgumentException($"BatchNorm2d expects 4-D input (N, C, H, W), got {input.Dimensions}-D [{string.Join(", ", input.shape)}]", nameof(input));
        if (IsFolded)
        {
            if (training) throw new InvalidOperationException("this BatchNorm2d was folded into the preceding convolution for inference and cannot be trained; train the unfolded network");
            // A new handle to the same tensor: callers dispose their input and this output separately.
            return input.alias();
        }
        var factor = momentum ?? 0.0;
        if (training && track_running_stats && num_batches_tracked is not null)
        {
            using (no_grad()) num_batches_tracked.add_(1);
            if (momentum is null) factor = 1.0 / num_batches_tracked.item<long>();
        }
        if (training && SyncGroup is { } group)
            return group.SyncBatchNorm(input, track_running_stats ? running_mean : null, track_running_stats ? running_var : null, weight, bias, factor, eps);
        var useBatchStats = training || running_mean is null;
        var trackNow = !training || track_running_stats;
        return F.batch_norm(input, trackNow ? running_mean : null, trackNow ? running_var : null, weight, bias, useBatchStats, factor, eps);
    }
}
