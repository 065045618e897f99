using static CnnMl.Torch.torch;

namespace CnnMl.Models;

/// <summary>
/// Puts a network in evaluation mode until disposed, then gives every module back the mode it had
/// (so a caller's half-frozen network stays as it was).
/// <code>using (EvaluationMode.Enter(network)) { ... }</code>
/// </summary>
internal sealed class EvaluationMode : IDisposable
{
    private readonly List<(nn.Module Module, bool Training)> modes;

    private EvaluationMode(nn.Module network)
    {
        modes = network.named_modules().Select(m => (m.module, m.module.training)).ToList();
        network.eval();
    }

    /// <summary>Switches <paramref name="network"/> to evaluation mode.</summary>
    public static EvaluationMode Enter(nn.Module network) => new(network);

    /// <summary>Restores each module's mode (pre-order, so a child's own mode wins over its parent's).</summary>
    public void Dispose()
    {
        foreach (var (module, training) in modes) module.train(training);
    }
}
