namespace CnnMl.Models;

/// <summary>The precision a network scores in (<see cref="InferenceOptions.Precision"/>).</summary>
public enum InferencePrecision
{
    /// <summary>Everything in float32 (the default).</summary>
    Float32,

    /// <summary>
    /// Under libtorch's autocast to bfloat16, on the CPU or CUDA, as <c>torch.autocast(device,
    /// dtype=torch.bfloat16)</c> around a PyTorch model's forward: convolutions and matrix products in
    /// bfloat16 on the float32 weights, the logits returned as float32. Faster where the processor has
    /// bfloat16 units (AVX-512 BF16, AMX, tensor cores); predictions may differ from float32 (bench/RESULTS.md
    /// measures how much on Fashion-MNIST).
    /// </summary>
    BFloat16,

    /// <summary>Under autocast to float16: CUDA only (libtorch's CPU autocast runs bfloat16 only).</summary>
    Float16,
}
