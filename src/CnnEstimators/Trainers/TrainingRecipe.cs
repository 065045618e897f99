using System.Globalization;
using System.Text.Json;
using CnnMl.Models;

namespace CnnMl.Trainers;

/// <summary>
/// Everything a run's training trajectory depends on, option by option, as text: a checkpoint stores
/// it in its metadata, and a run resumes from the checkpoint only when its own recipe is the same, so
/// that resuming never silently mixes two recipes. <see cref="CnnTrainerOptions.Epochs"/> alone may
/// grow (see there). Not part of it: callbacks, report and checkpoint intervals, cancellation, the
/// device, column names, <see cref="CnnTrainerOptions.SkipUnreadableImages"/> (an unreadable image
/// stops a run that does not skip it) and the rows of a <see cref="CnnTrainerOptions.ValidationSet"/>
/// (only whether one is given).
/// </summary>
internal sealed class TrainingRecipe
{
    private const string Prefix = "recipe.";
    private const string WorldSize = "DistributedTrainingOptions.WorldSize";
    private readonly List<(string Name, string Value)> entries;
    private readonly LearningRateSchedule schedule;

    private TrainingRecipe(List<(string Name, string Value)> entries, LearningRateSchedule schedule)
    {
        this.entries = entries;
        this.schedule = schedule;
    }

    /// <summary>The recipe of a run; for a rank of a data-parallel run (<paramref name="distributed"/>), with its number of ranks, and a checkpoint resumes only with the same number.</summary>
    public static TrainingRecipe Of(CnnTrainerOptions options, ModelInfo info, TrainingInput input, int seed, DistributedTrainingOptions? distributed = null)
    {
        var worldSize = distributed?.WorldSize ?? 1;
        var augmentation = options.Augmentation;
        var entries = new List<(string, string)>
        {
            ("Architecture", info.Name),
            ("Classes", JsonSerializer.Serialize(input.ClassNames)),
            // What ImageChannels, ImageSize and the features column resolve to.
            ("InputShape", $"{input.Channels}x{input.Height}x{input.Width} {(input.EncodedImages ? "decoded from image bytes" : "pixels")}"),
            ("Seed", Format(seed)),
            (nameof(options.Optimizer), options.Optimizer.ToString()),
            (nameof(options.LearningRate), Format(options.LearningRate)),
            (nameof(options.Momentum), Format(options.Momentum)),
            (nameof(options.WeightDecay), Format(options.WeightDecay)),
            (nameof(options.LearningRateSchedule), options.LearningRateSchedule.ToString()),
            (nameof(options.StepSize), Format(options.StepSize)),
            (nameof(options.StepGamma), Format(options.StepGamma)),
            (nameof(options.WarmupEpochs), Format(options.WarmupEpochs)),
            (nameof(options.LabelSmoothing), Format(options.LabelSmoothing)),
            (nameof(options.BatchSize), Format(options.BatchSize)),
            (nameof(options.Epochs), Format(options.Epochs)),
            (nameof(options.ValidationSet), options.ValidationSet is null ? "none" : "given"),
            (nameof(options.ValidationFraction), Format(options.ValidationFraction)),
            (nameof(options.EarlyStopping), options.EarlyStopping is { } es ? $"{es.Metric}, Patience {Format(es.Patience)}, MinDelta {Format(es.MinDelta)}" : "none"),
            (nameof(options.KeepBestWeights), Format(options.KeepBestWeights)),
            ("Augmentation.RandomCropPadding", Format(augmentation.RandomCropPadding)),
            ("Augmentation.RandomHorizontalFlip", Format(augmentation.RandomHorizontalFlip)),
            ("Augmentation.NormalizeMean", Format(augmentation.NormalizeMean)),
            ("Augmentation.NormalizeStd", Format(augmentation.NormalizeStd)),
            (nameof(options.ChannelsLast), options.ChannelsLast is { } channelsLast ? Format(channelsLast) : "auto"),
            (nameof(options.PretrainedWeightsPath), options.PretrainedWeightsPath is { } path ? Path.GetFullPath(path) : "none"),
            (nameof(options.FreezeFeatures), Format(options.FreezeFeatures)),
        };
        // Single-process checkpoints written before data-parallel training existed carry no world size.
        if (worldSize > 1)
        {
            entries.Add((WorldSize, Format(worldSize)));
            entries.Add(("DistributedTrainingOptions.SyncBatchNorm", Format(distributed!.SyncBatchNorm)));
        }
        return new TrainingRecipe(entries, options.LearningRateSchedule);
    }

    /// <summary>Adds the recipe to a checkpoint's metadata.</summary>
    public void WriteTo(IDictionary<string, string> metadata)
    {
        foreach (var (name, value) in entries) metadata[Prefix + name] = value;
    }

    /// <summary>
    /// Throws unless the recipe a checkpoint was written with (<paramref name="metadata"/>) is this one,
    /// naming every option that differs with its saved and new values.
    /// </summary>
    public void CheckResumable(IReadOnlyDictionary<string, string> metadata, string checkpointPath)
    {
        const string Remedy = "resuming would mix two training recipes: restore those options, or delete the checkpoint (or use another CheckpointDirectory) to start afresh";
        if (!metadata.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal)))
            throw new InvalidOperationException($"checkpoint '{checkpointPath}' records no training recipe (an earlier CnnMl wrote it), so resuming from it cannot be checked; delete it or use another CheckpointDirectory");
        var differences = new List<string>();
        foreach (var (name, value) in entries)
        {
            if (!metadata.TryGetValue(Prefix + name, out var saved))
                differences.Add($"no {name} (these options have {value})");
            else if (saved != value && !(name == nameof(CnnTrainerOptions.Epochs) && EpochsMayGrow(saved, value)))
                differences.Add($"{name} {saved}, these options have {value}{(name == nameof(CnnTrainerOptions.Epochs) ? EpochsRule : "")}");
        }
        if (metadata.TryGetValue(Prefix + WorldSize, out var savedWorldSize) && !entries.Any(e => e.Name == WorldSize))
            differences.Add($"{WorldSize} {savedWorldSize}, these options have 1 (one process)");
        if (differences.Count > 0)
            throw new InvalidOperationException($"checkpoint '{checkpointPath}' was written with {string.Join("; ", differences)}; {Remedy}");
    }

    private string EpochsRule => schedule == LearningRateSchedule.Cosine
        ? " (Epochs may not change with the Cosine schedule, whose length is Epochs)"
        : " (Epochs may grow, never shrink)";

    /// <summary>The learning rate of an epoch depends on Epochs only with the cosine schedule.</summary>
    private bool EpochsMayGrow(string saved, string value) =>
        schedule != LearningRateSchedule.Cosine
        && int.TryParse(saved, NumberStyles.Integer, CultureInfo.InvariantCulture, out var before)
        && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var after)
        && after > before;

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(bool value) => value ? "true" : "false";

    private static string Format(float[]? values) =>
        values is null ? "none" : "[" + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";
}
