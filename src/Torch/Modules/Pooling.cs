using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Modules;

public sealed class MaxPool2d(long[] kernel_size, long[]? stride = null, long[]? padding = null, long[]? dilation = null, bool ceil_mode = false)
    : nn.Module<Tensor, Tensor>(nameof(MaxPool2d))
{
    public long[] kernel_size { get; } = kernel_size;
    public long[]? stride { get; } = stride;
    public long[]? padding { get; } = padding;
    public long[]? dilation { get; } = dilation;
    public bool ceil_mode { get; } = ceil_mode;

    /// <summary>
    /// Run the calls made without gradients through oneDNN's pooling on the input's layout
    /// (<see cref="OneDnnPooling"/>); calls that record gradients keep <c>max_pool2d</c>. Default false.
    /// </summary>
    public bool OneDnnInference { get; set; }

    public override Tensor forward(Tensor input) => OneDnnInference && OneDnnPooling.Applies(input)
        ? OneDnnPooling.Pool(input, OneDnnPooling.Kind.Max, kernel_size, stride, padding, dilation, ceil_mode)
        : F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
}

public sealed class AvgPool2d(long[] kernel_size, long[]? stride = null, long[]? padding = null, bool ceil_mode = false, bool count_include_pad = true)
    : nn.Module<Tensor, Tensor>(nameof(AvgPool2d))
{
    public long[] kernel_size { get; } = kernel_size;
    public long[]? stride { get; } = stride;
    public long[]? padding { get; } = padding;
    public bool ceil_mode { get; } = ceil_mode;
    public bool count_include_pad { get; } = count_include_pad;

    /// <summary>
    /// Run the calls made without gradients through oneDNN's pooling on the input's layout
    /// (<see cref="OneDnnPooling"/>); calls that record gradients keep <c>avg_pool2d</c>. Default false.
    /// </summary>
    public bool OneDnnInference { get; set; }

    public override Tensor forward(Tensor input) => OneDnnInference && OneDnnPooling.Applies(input)
        ? OneDnnPooling.Pool(input, count_include_pad ? OneDnnPooling.Kind.AverageIncludingPadding : OneDnnPooling.Kind.AverageExcludingPadding,
            kernel_size, stride, padding, null, ceil_mode)
        : F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad);
}

public sealed class AdaptiveAvgPool2d(long[] output_size) : nn.Module<Tensor, Tensor>(nameof(AdaptiveAvgPool2d))
{
    public long[] output_size { get; } = output_size;

    public override Tensor forward(Tensor input) => F.adaptive_avg_pool2d(input, output_size);
}
