using CnnMl.Trainers;

namespace Microsoft.ML;

/// <summary>CNN featurizers on <c>mlContext.Transforms</c>: a trained network's penultimate activations as a feature column for ML.NET's other trainers.</summary>
public static class CnnFeaturizerCatalog
{
    /// <summary>
    /// Featurizes images with a network trained by a CnnMl trainer (the transformer a trainer's Fit
    /// returns, or one found in a loaded model): reads the network's input column and adds
    /// <paramref name="outputColumnName"/>. The featurizer shares the network and does not dispose it.
    /// </summary>
    public static CnnFeaturizerEstimator FeaturizeImageWithCnn(this TransformsCatalog catalog, CnnClassificationTransformer network, string outputColumnName = "CnnFeatures")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(network);
        return new(new CnnFeaturizerTransformer(network, outputColumnName, ownsNetwork: false));
    }

    /// <summary>
    /// Featurizes images with a zoo network (see ModelZoo) whose weights come from a safetensors
    /// state_dict, e.g. one exported from torchvision. The input column holds float images of
    /// <paramref name="channels"/> x <paramref name="height"/> x <paramref name="width"/> (as ExtractPixels gives),
    /// normalized per channel with <paramref name="normalizeMean"/> and <paramref name="normalizeStd"/> when given.
    /// </summary>
    public static CnnFeaturizerEstimator FeaturizeImageWithCnn(this TransformsCatalog catalog, string architecture, string weightsPath,
        int channels, int height, int width, string outputColumnName = "CnnFeatures", string inputColumnName = "Features",
        float[]? normalizeMean = null, float[]? normalizeStd = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(architecture);
        ArgumentException.ThrowIfNullOrEmpty(weightsPath);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        return new(CnnFeaturizerTransformer.FromWeights(architecture, weightsPath, channels, height, width, inputColumnName, outputColumnName, normalizeMean, normalizeStd));
    }
}
