using CnnMl.Models;
using static CnnMl.Torch.torch;

namespace CnnMl.Onnx;

/// <summary>How far an exported model's probabilities are from the network's own, per batch size tried.</summary>
/// <param name="BatchSizes">The batch sizes compared.</param>
/// <param name="MaxAbsoluteDifference">The largest absolute difference between any two probabilities.</param>
/// <param name="Tolerance">The tolerance the comparison was held to.</param>
public sealed record OnnxVerificationResult(IReadOnlyList<int> BatchSizes, double MaxAbsoluteDifference, double Tolerance)
{
    /// <summary>True when every probability agreed within <see cref="Tolerance"/>.</summary>
    public bool Passed => MaxAbsoluteDifference <= Tolerance;
}

/// <summary>
/// Checks an exported model against the network it came from: the same pseudo-random images (pixels in
/// [0, 1), normalized as in training) through libtorch and through ONNX Runtime, probabilities compared.
/// </summary>
public static class OnnxVerification
{
    /// <summary>The default tolerance on probabilities (absolute).</summary>
    public const double DefaultTolerance = 1e-4;

    /// <summary>Compares <paramref name="onnxModel"/> with <paramref name="network"/> at each of <paramref name="batchSizes"/> (default 1 and 3).</summary>
    public static OnnxVerificationResult Compare(ClassifierNetwork network, byte[] onnxModel, Normalization? normalization = null,
        IReadOnlyList<int>? batchSizes = null, double tolerance = DefaultTolerance, int seed = 1, OnnxTensorNames? names = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(onnxModel);
        batchSizes ??= [1, 3];
        using var session = new OnnxScoringSession(onnxModel, threads: Math.Max(1, get_num_threads()), names: names);
        var random = new Random(seed);
        double worst = 0;
        foreach (var count in batchSizes)
        {
            var images = new float[count * session.Channels * session.Height * session.Width];
            for (int i = 0; i < images.Length; i++) images[i] = random.NextSingle();
            worst = Math.Max(worst, MaxDifference(network, session, images, count, normalization));
        }
        return new OnnxVerificationResult(batchSizes.ToArray(), worst, tolerance);
    }

    /// <summary>The largest absolute difference between the probabilities libtorch and <paramref name="session"/> give <paramref name="images"/> ([count, C, H, W] pixels before normalization).</summary>
    public static double MaxDifference(ClassifierNetwork network, OnnxScoringSession session, float[] images, int count, Normalization? normalization)
    {
        ArgumentNullException.ThrowIfNull(session);
        var length = count * session.Channels * session.Height * session.Width;
        if (images.Length < length) throw new ArgumentException($"{count} images need {length} floats, got {images.Length}", nameof(images));
        var expected = LibtorchProbabilities(network, images[..length], count, session.Channels, session.Height, session.Width, normalization);
        var actual = session.Probabilities(images, count);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        return worst;
    }

    /// <summary>Softmax probabilities of the network (in evaluation mode, restored afterwards; computed in its parameters' dtype) on normalized images.</summary>
    internal static float[] LibtorchProbabilities(ClassifierNetwork network, float[] images, int count, int channels, int height, int width, Normalization? normalization)
    {
        using var evaluation = EvaluationMode.Enter(network);
        using var scope = NewDisposeScope();
        using var gradients = no_grad();
        var parameter = network.parameters().First();
        var x = tensor(images, [count, channels, height, width]).to(parameter.dtype, parameter.device);
        if (normalization is not null) x = normalization.Apply(x);
        return nn.functional.softmax(network.call(x), 1).to(ScalarType.Float32).ToArray<float>();
    }
}
