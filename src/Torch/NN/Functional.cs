using CnnMl.Torch.Native;
using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>How a loss is reduced over the batch.</summary>
        public enum Reduction
        {
            None = 0,
            Mean = 1,
            Sum = 2,
        }

        /// <summary>Stateless neural-network functions, as <c>torch.nn.functional</c>.</summary>
        public static partial class functional
        {
            internal static long[] Pair(long[]? values, long fallback, string name)
            {
                if (values is null || values.Length == 0) return new[] { fallback, fallback };
                if (values.Length == 1) return new[] { values[0], values[0] };
                if (values.Length == 2) return values;
                throw new ArgumentException($"{name} takes one or two values, got {values.Length}", name);
            }

            public static Tensor relu(Tensor input, bool inplace = false) => inplace ? input.relu_() : input.relu();
            public static Tensor relu6(Tensor input, bool inplace = false) => inplace ? InPlace(input, cnn_relu6_(input.Handle), "relu6_") : OperationTracing.Traced(new(cnn_relu6(input.Handle)), "relu6", input);
            public static Tensor silu(Tensor input, bool inplace = false) => inplace ? InPlace(input, cnn_silu_(input.Handle), "silu_") : OperationTracing.Traced(new(cnn_silu(input.Handle)), "silu", input);
            public static Tensor sigmoid(Tensor input) => OperationTracing.Traced(new(cnn_sigmoid(input.Handle)), "sigmoid", input);
            public static Tensor hardswish(Tensor input, bool inplace = false) => inplace ? InPlace(input, cnn_hardswish_(input.Handle), "hardswish_") : OperationTracing.Traced(new(cnn_hardswish(input.Handle)), "hardswish", input);
            public static Tensor hardsigmoid(Tensor input) => OperationTracing.Traced(new(cnn_hardsigmoid(input.Handle)), "hardsigmoid", input);
            public static Tensor leaky_relu(Tensor input, double negative_slope = 0.01)
            {
                var output = new Tensor(cnn_leaky_relu(input.Handle, negative_slope));
                if (OperationTracing.IsActive) OperationTracing.Record("leaky_relu", output, [input], ("negative_slope", negative_slope));
                return output;
            }

            /// <summary>GELU; <paramref name="approximate"/> is "none" (exact) or "tanh".</summary>
            public static Tensor gelu(Tensor input, string approximate = "none") => approximate switch
            {
                "none" => new(cnn_gelu(input.Handle)),
                "tanh" => new(cnn_gelu_tanh(input.Handle)),
                _ => throw new ArgumentException($"approximate must be 'none' or 'tanh', got '{approximate}'", nameof(approximate)),
            };

            private static Tensor InPlace(Tensor input, int status, string op)
            {
                TorchException.Check(status);
                return OperationTracing.Traced(input, op, input);
            }

            /// <summary>2-D convolution over (N, C, H, W) input with a (out, in/groups, kH, kW) weight.</summary>
            public static unsafe Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? stride = null, long[]? padding = null, long[]? dilation = null, long groups = 1)
            {
                var s = Pair(stride, 1, nameof(stride));
                var p = Pair(padding, 0, nameof(padding));
                var d = Pair(dilation, 1, nameof(dilation));
                Tensor output;
                fixed (long* sp = s, pp = p, dp = d)
                    output = new Tensor(cnn_conv2d(input.Handle, weight.Handle, (bias?.Handle ?? TensorSafeHandle.Null), sp, pp, dp, groups));
                if (OperationTracing.IsActive)
                    OperationTracing.Record("conv2d", output, [input, weight, bias], ("stride", s), ("padding", p), ("dilation", d), ("groups", groups));
                return output;
            }

            /// <summary>
            /// Batch normalization. In training the batch statistics normalize and the running
            /// statistics are updated in place with <paramref name="momentum"/>; in eval the running ones are used.
            /// </summary>
            public static Tensor batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight = null, Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5)
            {
                var output = new Tensor(cnn_batch_norm(input.Handle, (running_mean?.Handle ?? TensorSafeHandle.Null), (running_var?.Handle ?? TensorSafeHandle.Null), (weight?.Handle ?? TensorSafeHandle.Null), (bias?.Handle ?? TensorSafeHandle.Null), training ? 1 : 0, momentum, eps));
                if (OperationTracing.IsActive)
                    OperationTracing.Record("batch_norm", output, [input, running_mean, running_var, weight, bias], ("training", training), ("eps", eps));
                return output;
            }

            /// <summary>y = x Wᵀ + b.</summary>
            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null)
            {
                var output = new Tensor(cnn_linear(input.Handle, weight.Handle, (bias?.Handle ?? TensorSafeHandle.Null)));
                if (OperationTracing.IsActive) OperationTracing.Record("linear", output, [input, weight, bias]);
                return output;
            }

            public static unsafe Tensor max_pool2d(Tensor input, long[] kernel_size, long[]? stride = null, long[]? padding = null, long[]? dilation = null, bool ceil_mode = false)
            {
                var k = Pair(kernel_size, 1, nameof(kernel_size));
                var s = stride is null || stride.Length == 0 ? k : Pair(stride, 1, nameof(stride));
                var p = Pair(padding, 0, nameof(padding));
                var d = Pair(dilation, 1, nameof(dilation));
                Tensor output;
                fixed (long* kp = k, sp = s, pp = p, dp = d)
                    output = new Tensor(cnn_max_pool2d(input.Handle, kp, sp, pp, dp, ceil_mode ? 1 : 0));
                if (OperationTracing.IsActive)
                    OperationTracing.Record("max_pool2d", output, [input], ("kernel_size", k), ("stride", s), ("padding", p), ("dilation", d), ("ceil_mode", ceil_mode));
                return output;
            }

            public static unsafe Tensor avg_pool2d(Tensor input, long[] kernel_size, long[]? stride = null, long[]? padding = null, bool ceil_mode = false, bool count_include_pad = true)
            {
                var k = Pair(kernel_size, 1, nameof(kernel_size));
                var s = stride is null || stride.Length == 0 ? k : Pair(stride, 1, nameof(stride));
                var p = Pair(padding, 0, nameof(padding));
                Tensor output;
                fixed (long* kp = k, sp = s, pp = p)
                    output = new Tensor(cnn_avg_pool2d(input.Handle, kp, sp, pp, ceil_mode ? 1 : 0, count_include_pad ? 1 : 0));
                if (OperationTracing.IsActive)
                    OperationTracing.Record("avg_pool2d", output, [input], ("kernel_size", k), ("stride", s), ("padding", p), ("ceil_mode", ceil_mode), ("count_include_pad", count_include_pad));
                return output;
            }

            public static unsafe Tensor adaptive_avg_pool2d(Tensor input, long[] output_size)
            {
                var o = Pair(output_size, 1, nameof(output_size));
                Tensor output;
                fixed (long* op = o) output = new Tensor(cnn_adaptive_avg_pool2d(input.Handle, op));
                if (OperationTracing.IsActive) OperationTracing.Record("adaptive_avg_pool2d", output, [input], ("output_size", o));
                return output;
            }

            public static unsafe Tensor adaptive_max_pool2d(Tensor input, long[] output_size)
            {
                var o = Pair(output_size, 1, nameof(output_size));
                fixed (long* op = o) return new Tensor(cnn_adaptive_max_pool2d(input.Handle, op));
            }

            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true, bool inplace = false)
            {
                if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
                var output = inplace ? input : new Tensor(cnn_dropout(input.Handle, p, training ? 1 : 0));
                if (inplace) TorchException.Check(cnn_dropout_(input.Handle, p, training ? 1 : 0));
                if (OperationTracing.IsActive) OperationTracing.Record(inplace ? "dropout_" : "dropout", output, [input], ("p", p), ("training", training));
                return output;
            }

            public static Tensor softmax(Tensor input, long dim)
            {
                var output = new Tensor(cnn_softmax(input.Handle, dim));
                if (OperationTracing.IsActive) OperationTracing.Record("softmax", output, [input], ("dim", dim));
                return output;
            }
            public static Tensor log_softmax(Tensor input, long dim) => new(cnn_log_softmax(input.Handle, dim));

            /// <summary>Cross entropy of logits against class indices, with optional label smoothing.</summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean, double label_smoothing = 0.0)
            {
                if (label_smoothing < 0 || label_smoothing > 1)
                    throw new ArgumentOutOfRangeException(nameof(label_smoothing), label_smoothing, "label smoothing must be in [0, 1]");
                return new(cnn_cross_entropy(input.Handle, target.Handle, (weight?.Handle ?? TensorSafeHandle.Null), (long)reduction, ignore_index, label_smoothing));
            }

            /// <summary>Negative log-likelihood of log-probabilities against class indices.</summary>
            public static Tensor nll_loss(Tensor input, Tensor target, Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean) =>
                new(cnn_nll_loss(input.Handle, target.Handle, (weight?.Handle ?? TensorSafeHandle.Null), (long)reduction, ignore_index));

            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                new(cnn_mse_loss(input.Handle, target.Handle, (long)reduction));

            /// <summary>Local response normalization across channels (AlexNet).</summary>
            public static Tensor local_response_norm(Tensor input, long size, double alpha = 1e-4, double beta = 0.75, double k = 1.0)
            {
                var output = new Tensor(cnn_local_response_norm(input.Handle, size, alpha, beta, k));
                if (OperationTracing.IsActive)
                    OperationTracing.Record("local_response_norm", output, [input], ("size", size), ("alpha", alpha), ("beta", beta), ("k", k));
                return output;
            }

            /// <summary>Pads the last dimensions with a constant; <paramref name="pad"/> lists (before, after) pairs from the last dimension backwards.</summary>
            public static unsafe Tensor pad(Tensor input, long[] pad, double value = 0)
            {
                Tensor output;
                fixed (long* p = pad) output = new Tensor(cnn_constant_pad(input.Handle, p, pad.Length, value));
                if (OperationTracing.IsActive) OperationTracing.Record("pad", output, [input], ("pad", pad.ToArray()), ("value", value));
                return output;
            }

            public static Tensor one_hot(Tensor input, long num_classes = -1) => new(cnn_one_hot(input.Handle, num_classes));
        }
    }
}
