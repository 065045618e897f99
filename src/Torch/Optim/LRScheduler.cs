namespace CnnMl.Torch;

public static partial class torch
{
    public static partial class optim
    {
        /// <summary>Learning-rate schedules, stepped once per epoch (or per iteration) after optimizer.step().</summary>
        public static class lr_scheduler
        {
            /// <summary>
            /// Base of the schedules. Each computes the rate for an epoch in closed form from the
            /// optimizer's initial rate, so schedules compose (see <see cref="SequentialLR"/>).
            /// </summary>
            public abstract class LRScheduler
            {
                protected LRScheduler(Optimizer optimizer)
                {
                    this.optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
                    base_lr = optimizer.InitialLearningRate;
                    optimizer.LearningRate = LearningRateAt(0);
                }

                private protected readonly Optimizer optimizer;

                /// <summary>The rate at epoch 0 (the optimizer's initial rate).</summary>
                public double base_lr { get; }

                /// <summary>Number of completed steps.</summary>
                public int last_epoch { get; private set; }

                /// <summary>The rate this schedule gives at an epoch.</summary>
                public abstract double LearningRateAt(int epoch);

                /// <summary>Advances one epoch and sets the optimizer's rate.</summary>
                public void step()
                {
                    last_epoch++;
                    optimizer.LearningRate = LearningRateAt(last_epoch);
                }

                /// <summary>The rate set by the last step.</summary>
                public double get_last_lr() => optimizer.LearningRate;

                /// <summary>Resumes at a given epoch (after loading a checkpoint).</summary>
                public void SetEpoch(int epoch)
                {
                    if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "epoch must be non-negative");
                    last_epoch = epoch;
                    optimizer.LearningRate = LearningRateAt(epoch);
                }
            }

            /// <summary>Multiplies the rate by gamma every step_size epochs.</summary>
            public sealed class StepLR : LRScheduler
            {
                public StepLR(Optimizer optimizer, int step_size, double gamma = 0.1) : base(Check(optimizer, step_size))
                {
                    this.step_size = step_size;
                    this.gamma = gamma;
                    optimizer.LearningRate = LearningRateAt(0);
                }

                private static Optimizer Check(Optimizer optimizer, int stepSize) =>
                    stepSize >= 1 ? optimizer : throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "step_size must be at least 1");

                public int step_size { get; }
                public double gamma { get; }

                public override double LearningRateAt(int epoch) => step_size == 0 ? base_lr : base_lr * Math.Pow(gamma, epoch / step_size);
            }

            /// <summary>Multiplies the rate by gamma at each milestone epoch.</summary>
            public sealed class MultiStepLR : LRScheduler
            {
                public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
                {
                    this.milestones = milestones.OrderBy(m => m).ToArray();
                    this.gamma = gamma;
                    optimizer.LearningRate = LearningRateAt(0);
                }

                public IReadOnlyList<int> milestones { get; } = Array.Empty<int>();
                public double gamma { get; }

                public override double LearningRateAt(int epoch) => base_lr * Math.Pow(gamma, milestones.Count(m => m <= epoch));
            }

            /// <summary>Cosine annealing from the initial rate to eta_min over T_max epochs (Loshchilov and Hutter 2017, without restarts).</summary>
            public sealed class CosineAnnealingLR : LRScheduler
            {
                public CosineAnnealingLR(Optimizer optimizer, int T_max, double eta_min = 0) : base(optimizer)
                {
                    if (T_max < 1) throw new ArgumentOutOfRangeException(nameof(T_max), T_max, "T_max must be at least 1");
                    this.T_max = T_max;
                    this.eta_min = eta_min;
                    optimizer.LearningRate = LearningRateAt(0);
                }

                public int T_max { get; }
                public double eta_min { get; }

                /// <summary>
                /// PyTorch's closed form, which its recursive update follows: past T_max the rate rises
                /// again along the same cosine (period 2 T_max) rather than staying at eta_min.
                /// </summary>
                public override double LearningRateAt(int epoch) =>
                    T_max == 0 ? base_lr : eta_min + (base_lr - eta_min) * (1 + Math.Cos(Math.PI * epoch / T_max)) / 2;
            }

            /// <summary>Scales the rate linearly from start_factor to end_factor over total_iters epochs (linear warmup).</summary>
            public sealed class LinearLR : LRScheduler
            {
                public LinearLR(Optimizer optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int total_iters = 5) : base(optimizer)
                {
                    if (start_factor <= 0 || start_factor > 1) throw new ArgumentOutOfRangeException(nameof(start_factor), start_factor, "start_factor must be in (0, 1]");
                    if (total_iters < 1) throw new ArgumentOutOfRangeException(nameof(total_iters), total_iters, "total_iters must be at least 1");
                    this.start_factor = start_factor;
                    this.end_factor = end_factor;
                    this.total_iters = total_iters;
                    optimizer.LearningRate = LearningRateAt(0);
                }

                public double start_factor { get; }
                public double end_factor { get; }
                public int total_iters { get; }

                public override double LearningRateAt(int epoch) =>
                    total_iters == 0 ? base_lr : base_lr * (start_factor + (end_factor - start_factor) * Math.Min(epoch, total_iters) / total_iters);
            }

            /// <summary>Runs schedules one after another, switching at the milestone epochs (e.g. warmup then cosine).</summary>
            public sealed class SequentialLR : LRScheduler
            {
                public SequentialLR(Optimizer optimizer, IReadOnlyList<LRScheduler> schedulers, IReadOnlyList<int> milestones) : base(optimizer)
                {
                    if (schedulers.Count == 0 || milestones.Count != schedulers.Count - 1)
                        throw new ArgumentException($"SequentialLR needs one milestone fewer than schedulers, got {schedulers.Count} schedulers and {milestones.Count} milestones", nameof(milestones));
                    this.schedulers = schedulers;
                    this.milestones = milestones;
                    optimizer.LearningRate = LearningRateAt(0);
                }

                private readonly IReadOnlyList<LRScheduler> schedulers = Array.Empty<LRScheduler>();
                private readonly IReadOnlyList<int> milestones = Array.Empty<int>();

                public override double LearningRateAt(int epoch)
                {
                    if (schedulers.Count == 0) return base_lr;
                    int index = 0, start = 0;
                    while (index < milestones.Count && epoch >= milestones[index]) start = milestones[index++];
                    return schedulers[index].LearningRateAt(epoch - start);
                }
            }
        }
    }
}
