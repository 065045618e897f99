using CnnMl.Torch.Modules;

namespace CnnMl.Torch;

public static partial class torch
{
    /// <summary>Layer factories with PyTorch's names and defaults.</summary>
    public static partial class nn
    {
        public static Conv2d Conv2d(long in_channels, long out_channels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias);

        public static Conv2d Conv2d(long in_channels, long out_channels, (long, long) kernelSize, (long, long)? stride = null, (long, long)? padding = null, (long, long)? dilation = null, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, kernelSize, stride ?? (1, 1), padding ?? (0, 0), dilation ?? (1, 1), groups, bias);

        public static BatchNorm2d BatchNorm2d(long num_features, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool track_running_stats = true) =>
            new(num_features, eps, momentum, affine, track_running_stats);

        public static Linear Linear(long in_features, long out_features, bool hasBias = true) => new(in_features, out_features, hasBias);

        public static ReLU ReLU(bool inplace = false) => new(inplace);
        public static ReLU6 ReLU6(bool inplace = false) => new(inplace);
        public static SiLU SiLU(bool inplace = false) => new(inplace);
        public static Sigmoid Sigmoid() => new();
        public static Hardswish Hardswish(bool inplace = false) => new(inplace);
        public static GELU GELU(string approximate = "none") => new(approximate);
        public static Dropout Dropout(double p = 0.5, bool inplace = false) => new(p, inplace);
        public static Identity Identity() => new();
        public static Flatten Flatten(long start_dim = 1, long end_dim = -1) => new(start_dim, end_dim);
        public static LocalResponseNorm LocalResponseNorm(long size, double alpha = 1e-4, double beta = 0.75, double k = 1.0) => new(size, alpha, beta, k);

        public static MaxPool2d MaxPool2d(long kernelSize, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) =>
            new(new[] { kernelSize }, stride is null ? null : new[] { stride.Value }, new[] { padding }, new[] { dilation }, ceil_mode);

        public static MaxPool2d MaxPool2d((long, long) kernelSize, (long, long)? stride = null, (long, long)? padding = null, bool ceil_mode = false) =>
            new(new[] { kernelSize.Item1, kernelSize.Item2 }, stride is { } s ? new[] { s.Item1, s.Item2 } : null, padding is { } p ? new[] { p.Item1, p.Item2 } : null, null, ceil_mode);

        public static AvgPool2d AvgPool2d(long kernelSize, long? stride = null, long padding = 0, bool ceil_mode = false, bool count_include_pad = true) =>
            new(new[] { kernelSize }, stride is null ? null : new[] { stride.Value }, new[] { padding }, ceil_mode, count_include_pad);

        public static AdaptiveAvgPool2d AdaptiveAvgPool2d(long outputSize) => new(new[] { outputSize });
        public static AdaptiveAvgPool2d AdaptiveAvgPool2d((long, long) outputSize) => new(new[] { outputSize.Item1, outputSize.Item2 });

        /// <summary>An empty <see cref="Modules.Sequential"/> to append layers to.</summary>
        public static Sequential Sequential() => new();
        public static Sequential Sequential(params Module<Tensor, Tensor>[] modules) => new(modules);
        public static Sequential Sequential(params (string name, Module<Tensor, Tensor> module)[] modules) => new(modules);
        public static ModuleList<T> ModuleList<T>(params T[] modules) where T : Module => new(modules);
        public static ModuleDict<T> ModuleDict<T>(params (string name, T module)[] modules) where T : Module => new(modules);

        public static CrossEntropyLoss CrossEntropyLoss(Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean, double label_smoothing = 0.0) =>
            new(weight, ignore_index, reduction, label_smoothing);

        public static NLLLoss NLLLoss(Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean) => new(weight, ignore_index, reduction);
    }
}
