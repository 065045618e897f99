namespace CnnMl.Trainers;

/// <summary>What scores a trained CNN in a pipeline (<see cref="CnnClassificationTransformer.ScoringEngine"/>).</summary>
public enum CnnScoringEngine
{
    /// <summary>
    /// ONNX Runtime on the CPU when the network's ONNX export is checked equal to libtorch's output,
    /// libtorch otherwise, on a GPU and for a precision below float32
    /// (<see cref="Models.InferenceOptions.Precision"/>). The default: bench/RESULTS.md measures ONNX Runtime at least as
    /// fast as the optimized libtorch path on every inference row.
    /// </summary>
    Auto,

    /// <summary>ONNX Runtime on the CPU, always (an export that fails or differs from libtorch is an error).</summary>
    OnnxRuntime,

    /// <summary>libtorch, on the network's device, with <see cref="CnnClassificationTransformer.InferenceOptions"/>.</summary>
    Libtorch,
}
