using CnnMl.Torch.Native;
using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch.Modules;

/// <summary>Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay.</summary>
public sealed class SGD : torch.optim.Optimizer
{
    private readonly IntPtr[] momentumBuffers;

    internal SGD(IEnumerable<torch.nn.Parameter> parameters, double lr, double momentum, double dampening, double weight_decay, bool nesterov, bool maximize)
        : base(parameters, lr)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be non-negative");
        if (weight_decay < 0) throw new ArgumentOutOfRangeException(nameof(weight_decay), weight_decay, "weight decay must be non-negative");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening", nameof(nesterov));
        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weight_decay;
        Nesterov = nesterov;
        Maximize = maximize;
        momentumBuffers = new IntPtr[this.parameters.Length];
    }

    public double Momentum { get; set; }
    public double Dampening { get; }
    public double WeightDecay { get; set; }
    public bool Nesterov { get; }
    public bool Maximize { get; }

    public override unsafe void step()
    {
        using var lease = new HandleLease(parameters);
        fixed (IntPtr* p = lease.Pointers)
        fixed (IntPtr* b = momentumBuffers)
            TorchException.Check(cnn_sgd_step(p, b, parameters.Length, LearningRate, Momentum, Dampening, WeightDecay, Nesterov ? 1 : 0, Maximize ? 1 : 0));
    }

    private protected override void SaveState(Dictionary<string, torch.Tensor> tensors, Dictionary<string, double> values)
    {
        values["momentum"] = Momentum;
        values["weight_decay"] = WeightDecay;
        SaveSlots("momentum_buffer", momentumBuffers, tensors);
    }

    private protected override void LoadState(torch.optim.OptimizerState state)
    {
        if (state.Values.TryGetValue("momentum", out var momentum)) Momentum = momentum;
        if (state.Values.TryGetValue("weight_decay", out var weightDecay)) WeightDecay = weightDecay;
        LoadSlots("momentum_buffer", momentumBuffers, state);
    }

    private protected override void FreeState()
    {
        for (int i = 0; i < momentumBuffers.Length; i++) FreeSlot(ref momentumBuffers[i]);
    }
}
