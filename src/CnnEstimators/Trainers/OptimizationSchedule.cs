using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers;

/// <summary>The optimizer chosen by the options and its per-epoch learning-rate schedule (with linear warmup).</summary>
internal sealed class OptimizationSchedule : IDisposable
{
    private readonly optim.Optimizer optimizer;
    private readonly optim.lr_scheduler.LRScheduler scheduler;
    private readonly amp.GradScaler? scaler;

    public OptimizationSchedule(CnnTrainerOptions options, IReadOnlyList<nn.Parameter> parameters)
    {
        if (parameters.Count == 0) throw new InvalidOperationException("the network has no trainable parameters");
        optimizer = options.Optimizer switch
        {
            CnnOptimizer.Sgd => optim.SGD(parameters, options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay),
            CnnOptimizer.Adam => optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay),
            CnnOptimizer.AdamW => optim.AdamW(parameters, options.LearningRate, weight_decay: options.WeightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "unknown optimizer"),
        };
        // Float16 gradients underflow without loss scaling; bfloat16 has float32's range and needs none.
        if (options.Precision == TrainingPrecision.Float16) scaler = new amp.GradScaler();
        var mainEpochs = Math.Max(1, options.Epochs - options.WarmupEpochs);
        optim.lr_scheduler.LRScheduler main = options.LearningRateSchedule switch
        {
            LearningRateSchedule.Constant => new optim.lr_scheduler.StepLR(optimizer, int.MaxValue, 1.0),
            LearningRateSchedule.Step => new optim.lr_scheduler.StepLR(optimizer, options.StepSize, options.StepGamma),
            LearningRateSchedule.Cosine => new optim.lr_scheduler.CosineAnnealingLR(optimizer, mainEpochs),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.LearningRateSchedule, "unknown schedule"),
        };
        scheduler = options.WarmupEpochs == 0
            ? main
            : new optim.lr_scheduler.SequentialLR(optimizer,
                new[] { new optim.lr_scheduler.LinearLR(optimizer, 0.1, 1.0, options.WarmupEpochs), main },
                new[] { options.WarmupEpochs });
    }

    public double LearningRate => optimizer.LearningRate;

    /// <summary>
    /// Backpropagates the loss and applies one update; under float16 loss scaling the update is skipped
    /// when a gradient is inf or NaN.
    /// </summary>
    public void Step(Tensor loss)
    {
        optimizer.zero_grad();
        if (scaler is null)
        {
            loss.backward();
            optimizer.step();
            return;
        }
        using (var scaled = scaler.scale(loss)) scaled.backward();
        scaler.step(optimizer);
        scaler.update();
    }

    /// <summary>Moves the schedule to the next epoch.</summary>
    public void StepEpoch() => scheduler.step();

    /// <summary>Puts the schedule at an epoch (resuming from a checkpoint).</summary>
    public void SetEpoch(int epoch) => scheduler.SetEpoch(epoch);

    public optim.OptimizerState StateDict() => optimizer.state_dict();

    public void LoadStateDict(optim.OptimizerState state) => optimizer.load_state_dict(state);

    public void Dispose() => optimizer.Dispose();
}
