using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Modules;

/// <summary>Fully connected layer: y = x Wᵀ + b.</summary>
public sealed class Linear : nn.Module<Tensor, Tensor>
{
    public Linear(long in_features, long out_features, bool hasBias = true) : base(nameof(Linear))
    {
        if (in_features < 1 || out_features < 1) throw new ArgumentOutOfRangeException(nameof(in_features), $"Linear needs positive feature counts, got in={in_features}, out={out_features}");
        this.in_features = in_features;
        this.out_features = out_features;
        weight = new nn.Parameter(empty(out_features, in_features));
        bias = hasBias ? new nn.Parameter(empty(out_features)) : null;
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        if (bias is not null)
        {
            var bound = 1 / Math.Sqrt(in_features);
            nn.init.uniform_(bias, -bound, bound);
        }
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
    }

    public long in_features { get; }
    public long out_features { get; }
    public nn.Parameter weight { get; }
    public nn.Parameter? bias { get; }

    public override Tensor forward(Tensor input) => F.linear(input, weight, bias);
}
