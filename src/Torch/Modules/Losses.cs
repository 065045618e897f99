using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Modules;

/// <summary>Cross entropy of logits against class indices.</summary>
public sealed class CrossEntropyLoss(Tensor? weight = null, long ignore_index = -100, nn.Reduction reduction = nn.Reduction.Mean, double label_smoothing = 0.0)
    : nn.Module<Tensor, Tensor, Tensor>(nameof(CrossEntropyLoss))
{
    public double label_smoothing { get; } = label_smoothing;

    public override Tensor forward(Tensor input, Tensor target) => F.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing);
}

/// <summary>Negative log-likelihood of log-probabilities against class indices.</summary>
public sealed class NLLLoss(Tensor? weight = null, long ignore_index = -100, nn.Reduction reduction = nn.Reduction.Mean)
    : nn.Module<Tensor, Tensor, Tensor>(nameof(NLLLoss))
{
    public override Tensor forward(Tensor input, Tensor target) => F.nll_loss(input, target, weight, ignore_index, reduction);
}
