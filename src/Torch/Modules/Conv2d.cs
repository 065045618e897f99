using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Modules;

/// <summary>2-D convolution layer (weight: out × in/groups × kH × kW).</summary>
public sealed class Conv2d : nn.Module<Tensor, Tensor>
{
    private readonly long[] stride;
    private readonly long[] padding;
    private readonly long[] dilation;

    public Conv2d(long in_channels, long out_channels, (long, long) kernel_size, (long, long) stride, (long, long) padding, (long, long) dilation, long groups, bool bias)
        : base(nameof(Conv2d))
    {
        if (in_channels < 1 || out_channels < 1) throw new ArgumentOutOfRangeException(nameof(in_channels), $"Conv2d needs positive channel counts, got in={in_channels}, out={out_channels}");
        if (groups < 1 || in_channels % groups != 0 || out_channels % groups != 0)
            throw new ArgumentException($"Conv2d groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}", nameof(groups));
        in_channels_ = in_channels;
        out_channels_ = out_channels;
        kernel_size_ = kernel_size;
        this.groups = groups;
        this.stride = new[] { stride.Item1, stride.Item2 };
        this.padding = new[] { padding.Item1, padding.Item2 };
        this.dilation = new[] { dilation.Item1, dilation.Item2 };
        weight = new nn.Parameter(empty(out_channels, in_channels / groups, kernel_size.Item1, kernel_size.Item2));
        bias_ = bias ? new nn.Parameter(empty(out_channels)) : null;
        ResetParameters();
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias_);
    }

    private readonly long in_channels_;
    private readonly long out_channels_;
    private readonly (long, long) kernel_size_;

    public nn.Parameter weight { get; }

    /// <summary>
    /// The bias, or null. Setting it registers the new parameter under <c>bias</c> and disposes the
    /// old one (as TorchSharp's settable bias); inference optimizations give a bias-free convolution
    /// one when a batch norm is folded into it.
    /// </summary>
    public nn.Parameter? bias
    {
        get => bias_;
        set
        {
            if (ReferenceEquals(value, bias_)) return;
            if (value is not null && (value.Dimensions != 1 || value.shape[0] != out_channels_))
                throw new ArgumentException($"Conv2d bias must have shape [{out_channels_}], got [{string.Join(", ", value.shape)}]", nameof(value));
            bias_?.Dispose();
            bias_ = value;
            value?.DetachFromDisposeScope();
            register_parameter(nameof(bias), value);
            if (oneDnn is not null) EnableOneDnnInference(oneDnnWinogradLimit);
        }
    }

    private nn.Parameter? bias_;
    public long groups { get; }
    public long in_channels => in_channels_;
    public long out_channels => out_channels_;
    public (long, long) kernel_size => kernel_size_;
    public (long, long) Stride => (stride[0], stride[1]);
    public (long, long) Padding => (padding[0], padding[1]);
    public (long, long) Dilation => (dilation[0], dilation[1]);

    /// <summary>PyTorch's default: Kaiming uniform with a = √5, bias uniform in ±1/√fan_in.</summary>
    private void ResetParameters()
    {
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        if (bias_ is null) return;
        var (fanIn, _) = nn.init.CalculateFanInAndFanOut(weight);
        var bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        nn.init.uniform_(bias_, -bound, bound);
    }

    private OneDnnConvolution? oneDnn;
    private long oneDnnWinogradLimit;

    /// <summary>
    /// Routes the calls made without gradients (under <c>no_grad</c> or <c>inference_mode</c>) on
    /// float32 CPU input through a <see cref="OneDnnConvolution"/>; calls that record gradients keep
    /// <c>conv2d</c>. Requires <see cref="OneDnnConvolution.Supports"/>.
    /// </summary>
    /// <param name="winogradWeightLimitBytes">See <see cref="OneDnnConvolution(Conv2d, long)"/>.</param>
    public void EnableOneDnnInference(long winogradWeightLimitBytes)
    {
        var replacement = new OneDnnConvolution(this, winogradWeightLimitBytes);
        oneDnn?.Dispose();
        oneDnn = replacement;
        oneDnnWinogradLimit = winogradWeightLimitBytes;
    }

    /// <summary>Returns inference calls to <c>conv2d</c> and frees the oneDNN plans.</summary>
    public void DisableOneDnnInference()
    {
        oneDnn?.Dispose();
        oneDnn = null;
    }

    /// <summary>The oneDNN convolution inference calls go through, or null (<see cref="EnableOneDnnInference"/>).</summary>
    public OneDnnConvolution? OneDnnInference => oneDnn;

    public override Tensor forward(Tensor input)
    {
        if (oneDnn is not null && input.device_type == DeviceType.CPU && input.dtype == ScalarType.Float32 && !is_grad_enabled())
            return oneDnn.Forward(input);
        return F.conv2d(input, weight, bias_, stride, padding, dilation, groups);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisableOneDnnInference();
        base.Dispose(disposing);
    }
}

