using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Modules;

/// <summary>A parameterless elementwise layer.</summary>
public abstract class ElementwiseModule : nn.Module<Tensor, Tensor>
{
    protected ElementwiseModule(string name, bool inplace) : base(name) => this.inplace = inplace;

    /// <summary>Whether the input is overwritten rather than a new tensor returned.</summary>
    public bool inplace { get; }
}

public sealed class ReLU(bool inplace = false) : ElementwiseModule(nameof(ReLU), inplace)
{
    public override Tensor forward(Tensor input) => F.relu(input, inplace);
}

public sealed class ReLU6(bool inplace = false) : ElementwiseModule(nameof(ReLU6), inplace)
{
    public override Tensor forward(Tensor input) => F.relu6(input, inplace);
}

public sealed class SiLU(bool inplace = false) : ElementwiseModule(nameof(SiLU), inplace)
{
    public override Tensor forward(Tensor input) => F.silu(input, inplace);
}

public sealed class Sigmoid() : ElementwiseModule(nameof(Sigmoid), false)
{
    public override Tensor forward(Tensor input) => F.sigmoid(input);
}

public sealed class Hardswish(bool inplace = false) : ElementwiseModule(nameof(Hardswish), inplace)
{
    public override Tensor forward(Tensor input) => F.hardswish(input, inplace);
}

public sealed class GELU(string approximate = "none") : ElementwiseModule(nameof(GELU), false)
{
    public override Tensor forward(Tensor input) => F.gelu(input, approximate);
}

/// <summary>Zeroes elements with probability p during training and scales the rest by 1/(1-p).</summary>
public sealed class Dropout : ElementwiseModule
{
    public Dropout(double p = 0.5, bool inplace = false) : base(nameof(Dropout), inplace)
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        this.p = p;
    }

    public double p { get; }

    public override Tensor forward(Tensor input) => F.dropout(input, p, training, inplace);
}

/// <summary>Returns its input unchanged (a new handle to the same tensor).</summary>
public sealed class Identity() : ElementwiseModule(nameof(Identity), false)
{
    public override Tensor forward(Tensor input) => input.alias();
}

/// <summary>Flattens dimensions start_dim..end_dim into one.</summary>
public sealed class Flatten(long start_dim = 1, long end_dim = -1) : ElementwiseModule(nameof(Flatten), false)
{
    public long start_dim { get; } = start_dim;
    public long end_dim { get; } = end_dim;

    public override Tensor forward(Tensor input) => input.flatten(start_dim, end_dim);
}

/// <summary>Local response normalization across channels (Krizhevsky et al. 2012).</summary>
public sealed class LocalResponseNorm(long size, double alpha = 1e-4, double beta = 0.75, double k = 1.0) : ElementwiseModule(nameof(LocalResponseNorm), false)
{
    public long size { get; } = size;
    public double alpha { get; } = alpha;
    public double beta { get; } = beta;
    public double k { get; } = k;

    public override Tensor forward(Tensor input) => F.local_response_norm(input, size, alpha, beta, k);
}
