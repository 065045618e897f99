namespace CnnMl.Torch;

public static partial class torch
{
    public static partial class amp
    {
        /// <summary>
        /// Dynamic loss scaling for float16 mixed precision, as PyTorch's <c>torch.cuda.amp.GradScaler</c>:
        /// the loss is multiplied by a scale before backward so small float16 gradients do not flush to
        /// zero; <see cref="step"/> divides the gradients by it again and runs the optimizer only when every
        /// gradient is finite; <see cref="update"/> halves the scale after a step with an inf or NaN
        /// gradient and doubles it after <c>growthInterval</c> finite steps in a row.
        /// <code>
        /// using (torch.autocast(DeviceType.CUDA, ScalarType.Float16)) loss = F.cross_entropy(model.call(x), y);
        /// optimizer.zero_grad();
        /// scaler.scale(loss).backward();
        /// scaler.step(optimizer);
        /// scaler.update();
        /// </code>
        /// </summary>
        public sealed class GradScaler
        {
            private readonly double growthFactor;
            private readonly double backoffFactor;
            private readonly int growthInterval;
            private bool unscaled;
            private bool? foundInf;

            /// <summary>Creates a scaler with PyTorch's defaults.</summary>
            /// <param name="initScale">The first scale (2^16).</param>
            /// <param name="growthFactor">What the scale is multiplied by after <paramref name="growthInterval"/> finite steps (&gt; 1).</param>
            /// <param name="backoffFactor">What the scale is multiplied by after a step with inf or NaN gradients (in (0, 1)).</param>
            /// <param name="growthInterval">Finite steps in a row before the scale grows (at least 1).</param>
            public GradScaler(double initScale = 65536.0, double growthFactor = 2.0, double backoffFactor = 0.5, int growthInterval = 2000)
            {
                if (!(initScale > 0) || double.IsInfinity(initScale)) throw new ArgumentOutOfRangeException(nameof(initScale), initScale, "the initial scale must be a positive finite number");
                if (!(growthFactor > 1)) throw new ArgumentOutOfRangeException(nameof(growthFactor), growthFactor, "the growth factor must be above 1");
                if (!(backoffFactor > 0 && backoffFactor < 1)) throw new ArgumentOutOfRangeException(nameof(backoffFactor), backoffFactor, "the backoff factor must be in (0, 1)");
                ArgumentOutOfRangeException.ThrowIfLessThan(growthInterval, 1);
                Scale = initScale;
                this.growthFactor = growthFactor;
                this.backoffFactor = backoffFactor;
                this.growthInterval = growthInterval;
            }

            /// <summary>The current scale.</summary>
            public double Scale { get; private set; }

            /// <summary>Finite steps since the scale last changed.</summary>
            public int GrowthTracker { get; private set; }

            /// <summary>Steps skipped so far because a gradient was inf or NaN.</summary>
            public long SkippedSteps { get; private set; }

            /// <summary>The loss multiplied by <see cref="Scale"/> (a new tensor), to call backward on.</summary>
            public Tensor scale(Tensor loss)
            {
                ArgumentNullException.ThrowIfNull(loss);
                return loss.mul(Scale);
            }

            /// <summary>
            /// Divides every gradient of <paramref name="optimizer"/>'s parameters by <see cref="Scale"/> in place
            /// (before gradient clipping, say) and notes whether any is inf or NaN. At most once per step.
            /// </summary>
            public void unscale_(optim.Optimizer optimizer)
            {
                ArgumentNullException.ThrowIfNull(optimizer);
                if (unscaled) throw new InvalidOperationException("unscale_ was already called since the last update()");
                var inverse = 1.0 / Scale;
                // One count of non-finite values for all gradients, read once: a read per gradient would
                // wait for the device once per parameter.
                long nonFinite = 0;
                using (var scope = NewDisposeScope())
                using (no_grad())
                {
                    Tensor? count = null;
                    foreach (var parameter in optimizer.Parameters)
                    {
                        if (parameter.grad is not { } grad) continue;
                        grad.mul_(inverse);
                        var bad = grad.isfinite().logical_not().sum();
                        count = count is null ? bad : count.add_(bad);
                    }
                    if (count is not null) nonFinite = count.item<long>();
                }
                unscaled = true;
                foundInf = nonFinite > 0;
            }

            /// <summary>
            /// Unscales the gradients (unless <see cref="unscale_"/> already did) and runs
            /// <paramref name="optimizer"/>'s step when all of them are finite; returns whether it stepped.
            /// </summary>
            public bool step(optim.Optimizer optimizer)
            {
                if (!unscaled) unscale_(optimizer);
                if (foundInf == true)
                {
                    SkippedSteps++;
                    return false;
                }
                optimizer.step();
                return true;
            }

            /// <summary>Adjusts <see cref="Scale"/> after a step: backoff after inf or NaN gradients, growth after enough finite steps.</summary>
            public void update()
            {
                if (foundInf is not { } inf) throw new InvalidOperationException("update() needs a step (or unscale_) since the last update()");
                if (inf)
                {
                    Scale *= backoffFactor;
                    GrowthTracker = 0;
                }
                else if (++GrowthTracker == growthInterval)
                {
                    Scale *= growthFactor;
                    GrowthTracker = 0;
                }
                unscaled = false;
                foundInf = null;
            }
        }
    }
}
