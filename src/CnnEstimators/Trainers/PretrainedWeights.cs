using CnnMl.Models;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers;

/// <summary>Loads a pretrained state_dict (e.g. torchvision's, exported as safetensors) for fine-tuning.</summary>
internal static class PretrainedWeights
{
    /// <summary>
    /// Loads every feature weight strictly; classifier weights are loaded only when their shapes
    /// match (same class count), otherwise the freshly initialised classifier is kept.
    /// </summary>
    public static void Load(ClassifierNetwork model, string path)
    {
        Dictionary<string, Tensor> weights;
        try
        {
            weights = Safetensors.Load(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"PretrainedWeightsPath: {e.Message}", e);
        }
        try
        {
            var own = model.state_dict();
            var classifierPrefix = model.ClassifierName + ".";
            foreach (var key in weights.Keys.Where(k => k.StartsWith(classifierPrefix, StringComparison.Ordinal)).ToList())
            {
                if (own.TryGetValue(key, out var target) && target.shape.SequenceEqual(weights[key].shape)) continue;
                weights[key].Dispose();
                weights.Remove(key);
            }
            var missing = own.Keys.Where(k => !k.StartsWith(classifierPrefix, StringComparison.Ordinal) && !weights.ContainsKey(k)).ToList();
            if (missing.Count > 0)
                throw new InvalidDataException($"PretrainedWeightsPath '{path}' lacks {missing.Count} weight(s) of {model.GetName()}, e.g. {string.Join(", ", missing.Take(5))}; was it exported from the same architecture?");
            model.load_state_dict(weights, strict: false);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    /// <summary>Stops gradients for everything but the classifier.</summary>
    public static void FreezeFeatures(ClassifierNetwork model)
    {
        var classifierPrefix = model.ClassifierName + ".";
        foreach (var (name, parameter) in model.named_parameters())
            if (!name.StartsWith(classifierPrefix, StringComparison.Ordinal)) parameter.requires_grad = false;
    }
}
