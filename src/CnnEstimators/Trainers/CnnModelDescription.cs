using System.Text.Json;
using CnnMl.MlNetInternals;

namespace CnnMl.Trainers;

/// <summary>
/// What a saved CNN classifier is besides its weights: the zoo architecture, the class names, the
/// input shape and normalization, and the columns it reads and writes. Stored as JSON in the model
/// entry; <see cref="FromJson"/> checks every field before anything is built from it.
/// </summary>
internal sealed record CnnModelDescription(
    string Architecture,
    string[] ClassNames,
    int Channels,
    int Height,
    int Width,
    float[]? NormalizeMean,
    float[]? NormalizeStd,
    string FeatureColumnName,
    string ScoreColumnName,
    string PredictedLabelColumnName,
    bool EncodedImages)
{
    private const int MaxClasses = 1_000_000;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this);

    /// <summary>The description in <paramref name="json"/>, checked field by field, and the zoo entry of its architecture.</summary>
    public static (CnnModelDescription Description, Models.ModelInfo Info) FromJson(byte[] json)
    {
        CnnModelDescription? d;
        try
        {
            d = JsonSerializer.Deserialize<CnnModelDescription>(json, new JsonSerializerOptions { RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw CnnModelFile.Damaged($"its description is not valid: {e.Message}", e);
        }
        if (d is null) throw CnnModelFile.Damaged("its description is null");
        return (d, d.Check());
    }

    private Models.ModelInfo Check()
    {
        var info = Models.ModelZoo.Models.FirstOrDefault(m => m.Name == Architecture)
            ?? throw CnnModelFile.Damaged($"unknown architecture '{Architecture}'");
        if (ClassNames.Length is < 2 or > MaxClasses) throw CnnModelFile.Damaged($"{ClassNames.Length} class names; a classifier has 2 to {MaxClasses}");
        if (ClassNames.Any(n => n is null)) throw CnnModelFile.Damaged("a class name is null");
        if (Channels is < 1 or > 64 || Height is < 1 or > 8192 || Width is < 1 or > 8192)
            throw CnnModelFile.Damaged($"input shape {Channels}x{Height}x{Width} is out of range");
        if (info.InputSizeProblem(Height, Width) is { } sizeProblem) throw CnnModelFile.Damaged(sizeProblem);
        if ((NormalizeMean is null) != (NormalizeStd is null)) throw CnnModelFile.Damaged("it has only one of the normalization mean and standard deviation");
        if (NormalizeMean is not null && (NormalizeMean.Length != Channels || NormalizeStd!.Length != Channels))
            throw CnnModelFile.Damaged($"normalization of {NormalizeMean.Length} means and {NormalizeStd!.Length} deviations for {Channels} channels");
        if (NormalizeMean is not null && (NormalizeMean.Any(v => !float.IsFinite(v)) || NormalizeStd!.Any(v => !(v > 0) || !float.IsFinite(v))))
            throw CnnModelFile.Damaged("normalization values are not finite (or a deviation is not positive)");
        if (EncodedImages && Channels is not (1 or 3)) throw CnnModelFile.Damaged($"encoded images decode to 1 or 3 channels, not {Channels}");
        foreach (var (name, value) in new[] { ("feature", FeatureColumnName), ("score", ScoreColumnName), ("predicted label", PredictedLabelColumnName) })
            if (string.IsNullOrEmpty(value)) throw CnnModelFile.Damaged($"the {name} column name is empty");
        return info;
    }
}
