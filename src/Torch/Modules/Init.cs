namespace CnnMl.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>Whether Kaiming initialization preserves the variance of the forward or the backward pass.</summary>
        public enum FanInOut
        {
            FanIn,
            FanOut,
        }

        /// <summary>Nonlinearities known to <see cref="init.calculate_gain"/>.</summary>
        public enum NonlinearityType
        {
            Linear,
            Conv2D,
            Sigmoid,
            Tanh,
            ReLU,
            LeakyReLU,
            SELU,
        }

        /// <summary>Parameter initialization, as <c>torch.nn.init</c>: in place, without recording gradients.</summary>
        public static class init
        {
            /// <summary>The recommended gain for a nonlinearity (PyTorch's table).</summary>
            public static double calculate_gain(NonlinearityType nonlinearity, double param = 0.01) => nonlinearity switch
            {
                NonlinearityType.Linear or NonlinearityType.Conv2D or NonlinearityType.Sigmoid => 1.0,
                NonlinearityType.Tanh => 5.0 / 3.0,
                NonlinearityType.ReLU => Math.Sqrt(2.0),
                NonlinearityType.LeakyReLU => Math.Sqrt(2.0 / (1 + param * param)),
                NonlinearityType.SELU => 3.0 / 4.0,
                _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity)),
            };

            /// <summary>(fan_in, fan_out) of a weight: input and output features times the receptive field.</summary>
            public static (long fan_in, long fan_out) CalculateFanInAndFanOut(Tensor tensor)
            {
                var shape = tensor.shape;
                if (shape.Length < 2)
                    throw new ArgumentException($"fan in and fan out need a tensor of at least 2 dimensions, got {shape.Length}", nameof(tensor));
                long receptive = 1;
                for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
                return (shape[1] * receptive, shape[0] * receptive);
            }

            private static long Fan(Tensor tensor, FanInOut mode)
            {
                var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
                return mode == FanInOut.FanIn ? fanIn : fanOut;
            }

            private static Tensor NoGrad(Tensor tensor, Func<Tensor, Tensor> fill)
            {
                using (no_grad()) fill(tensor);
                return tensor;
            }

            public static Tensor uniform_(Tensor tensor, double low = 0, double high = 1) => NoGrad(tensor, t => t.uniform_(low, high));
            public static Tensor normal_(Tensor tensor, double mean = 0, double std = 1) => NoGrad(tensor, t => t.normal_(mean, std));
            public static Tensor constant_(Tensor tensor, Scalar value) => NoGrad(tensor, t => t.fill_(value));
            public static Tensor zeros_(Tensor tensor) => NoGrad(tensor, t => t.zero_());
            public static Tensor ones_(Tensor tensor) => NoGrad(tensor, t => t.fill_(1));

            /// <summary>He et al. 2015 (arXiv:1502.01852), uniform variant.</summary>
            public static Tensor kaiming_uniform_(Tensor tensor, double a = 0, FanInOut mode = FanInOut.FanIn, NonlinearityType nonlinearity = NonlinearityType.LeakyReLU)
            {
                var bound = Math.Sqrt(3.0) * calculate_gain(nonlinearity, a) / Math.Sqrt(Fan(tensor, mode));
                return uniform_(tensor, -bound, bound);
            }

            /// <summary>He et al. 2015 (arXiv:1502.01852), normal variant.</summary>
            public static Tensor kaiming_normal_(Tensor tensor, double a = 0, FanInOut mode = FanInOut.FanIn, NonlinearityType nonlinearity = NonlinearityType.LeakyReLU)
            {
                var std = calculate_gain(nonlinearity, a) / Math.Sqrt(Fan(tensor, mode));
                return normal_(tensor, 0, std);
            }

            /// <summary>Glorot and Bengio 2010, uniform variant.</summary>
            public static Tensor xavier_uniform_(Tensor tensor, double gain = 1.0)
            {
                var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
                var bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
                return uniform_(tensor, -bound, bound);
            }

            /// <summary>Glorot and Bengio 2010, normal variant.</summary>
            public static Tensor xavier_normal_(Tensor tensor, double gain = 1.0)
            {
                var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
                return normal_(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
            }

            /// <summary>Normal samples redrawn into [a, b] by inverse-CDF sampling, as PyTorch's trunc_normal_.</summary>
            public static Tensor trunc_normal_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2)
            {
                var low = NormalCdf((a - mean) / std);
                var high = NormalCdf((b - mean) / std);
                return NoGrad(tensor, t => t.uniform_(2 * low - 1, 2 * high - 1).erfinv_().mul_(std * Math.Sqrt(2.0)).add_(mean).clamp_(a, b));
            }

            private static double NormalCdf(double x)
            {
                using var value = torch.tensor(x / Math.Sqrt(2.0));
                using var erf = value.erf();
                return (1.0 + erf.item<double>()) / 2.0;
            }
        }
    }
}
