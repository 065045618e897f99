using CnnMl.Torch.Native;
using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch.Modules;

/// <summary>Adam (Kingma and Ba 2015); with decoupled weight decay it is AdamW (Loshchilov and Hutter 2019).</summary>
public sealed class Adam : torch.optim.Optimizer
{
    private readonly IntPtr[] expAvgs;
    private readonly IntPtr[] expAvgSqs;
    private readonly IntPtr[] maxExpAvgSqs;
    private readonly long[] steps;

    internal Adam(IEnumerable<torch.nn.Parameter> parameters, double lr, double beta1, double beta2, double eps, double weight_decay, bool amsgrad, bool maximize, bool decoupled)
        : base(parameters, lr)
    {
        if (beta1 < 0 || beta1 >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (beta2 < 0 || beta2 >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        if (eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be non-negative");
        if (weight_decay < 0) throw new ArgumentOutOfRangeException(nameof(weight_decay), weight_decay, "weight decay must be non-negative");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weight_decay;
        AmsGrad = amsgrad;
        Maximize = maximize;
        Decoupled = decoupled;
        var n = this.parameters.Length;
        expAvgs = new IntPtr[n];
        expAvgSqs = new IntPtr[n];
        maxExpAvgSqs = new IntPtr[n];
        steps = new long[n];
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; set; }
    public bool AmsGrad { get; }
    public bool Maximize { get; }

    /// <summary>True for AdamW: weight decay applied to the weights, not added to the gradient.</summary>
    public bool Decoupled { get; }

    public override unsafe void step()
    {
        using var lease = new HandleLease(parameters);
        fixed (IntPtr* p = lease.Pointers)
        fixed (IntPtr* m = expAvgs, v = expAvgSqs, vmax = maxExpAvgSqs)
        fixed (long* s = steps)
            TorchException.Check(cnn_adam_step(p, m, v, vmax, s, parameters.Length, LearningRate, Beta1, Beta2, Eps, WeightDecay, AmsGrad ? 1 : 0, Maximize ? 1 : 0, Decoupled ? 1 : 0));
    }

    private protected override void SaveState(Dictionary<string, torch.Tensor> tensors, Dictionary<string, double> values)
    {
        values["weight_decay"] = WeightDecay;
        for (int i = 0; i < steps.Length; i++)
            if (steps[i] > 0) values[$"state.{i}.step"] = steps[i];
        SaveSlots("exp_avg", expAvgs, tensors);
        SaveSlots("exp_avg_sq", expAvgSqs, tensors);
        SaveSlots("max_exp_avg_sq", maxExpAvgSqs, tensors);
    }

    private protected override void LoadState(torch.optim.OptimizerState state)
    {
        if (state.Values.TryGetValue("weight_decay", out var weightDecay)) WeightDecay = weightDecay;
        LoadSlots("exp_avg", expAvgs, state);
        LoadSlots("exp_avg_sq", expAvgSqs, state);
        LoadSlots("max_exp_avg_sq", maxExpAvgSqs, state);
        for (int i = 0; i < steps.Length; i++)
            steps[i] = state.Values.TryGetValue($"state.{i}.step", out var s) ? (long)s : 0;
    }

    private protected override void FreeState()
    {
        for (int i = 0; i < expAvgs.Length; i++)
        {
            FreeSlot(ref expAvgs[i]);
            FreeSlot(ref expAvgSqs[i]);
            FreeSlot(ref maxExpAvgSqs[i]);
        }
    }
}
