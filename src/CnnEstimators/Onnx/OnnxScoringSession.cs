using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace CnnMl.Onnx;

/// <summary>
/// An ONNX Runtime session over a model from <see cref="OnnxExport"/>: batches of [N, C, H, W] floats
/// in, class probabilities out. Not thread-safe: callers serialize <see cref="Probabilities"/>.
/// </summary>
public sealed class OnnxScoringSession : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly string[] inputNames;
    private readonly string[] outputNames;

    /// <summary>Opens <paramref name="model"/> with every graph optimization.</summary>
    /// <param name="model">The ONNX model's bytes.</param>
    /// <param name="threads">Threads within one operator (ONNX Runtime's intra-op pool); 0 lets ONNX Runtime choose.</param>
    /// <param name="gpuDeviceId">A CUDA device to run on (needs the Microsoft.ML.OnnxRuntime.Gpu.Linux package's native library); null for the CPU.</param>
    /// <param name="names">The model's input and output names; null for <see cref="OnnxTensorNames.Default"/>.</param>
    public OnnxScoringSession(byte[] model, int threads = 0, int? gpuDeviceId = null, OnnxTensorNames? names = null)
    {
        names ??= OnnxTensorNames.Default;
        inputNames = [names.Input];
        outputNames = [names.Probabilities];
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        using var options = gpuDeviceId is { } device ? SessionOptions.MakeSessionOptionWithCudaProvider(device) : new SessionOptions();
        options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL;
        options.IntraOpNumThreads = threads;
        options.InterOpNumThreads = 1;
        options.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
        session = new InferenceSession(model, options);
        if (!session.InputMetadata.TryGetValue(names.Input, out var inputMetadata) || !session.OutputMetadata.TryGetValue(names.Probabilities, out var outputMetadata))
        {
            session.Dispose();
            throw new InvalidDataException($"not a CnnMl classifier model: it has no input '{names.Input}' or no output '{names.Probabilities}'");
        }
        var input = inputMetadata.Dimensions;
        var output = outputMetadata.Dimensions;
        if (input.Length != 4 || output.Length != 2)
            throw new InvalidDataException($"not a CnnMl classifier model: input of rank {input.Length}, probabilities of rank {output.Length}");
        (Channels, Height, Width, Classes) = (input[1], input[2], input[3], output[1]);
    }

    /// <summary>Input channels.</summary>
    public int Channels { get; }

    /// <summary>Input height.</summary>
    public int Height { get; }

    /// <summary>Input width.</summary>
    public int Width { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Class probabilities ([count, Classes], row-major) of <paramref name="count"/> images ([count, C, H, W] floats, row-major).</summary>
    public float[] Probabilities(ReadOnlySpan<float> images, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var length = (long)count * Channels * Height * Width;
        if (images.Length < length) throw new ArgumentException($"{count} images need {length} floats, got {images.Length}", nameof(images));
        var result = new float[count * Classes];
        unsafe
        {
            fixed (float* pixels = images)
            {
                using var input = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                    [count, Channels, Height, Width], (IntPtr)pixels, length * sizeof(float));
                using var outputs = session.Run(runOptions, inputNames, [input], outputNames);
                outputs[0].GetTensorDataAsSpan<float>().CopyTo(result);
            }
        }
        return result;
    }

    /// <summary>Frees the session.</summary>
    public void Dispose()
    {
        session.Dispose();
        runOptions.Dispose();
    }
}
