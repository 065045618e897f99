using System.Globalization;
using CnnMl.Models;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers;

/// <summary>
/// A checkpoint at each epoch end (and every <see cref="CnnTrainerOptions.CheckpointEveryBatches"/>
/// batches) in <see cref="CnnTrainerOptions.CheckpointDirectory"/>: model and optimizer state and
/// progress and the <see cref="TrainingRecipe"/>, written atomically (temporary file, flush, rename).
/// A run with the same recipe resumes after the last checkpointed batch; any other is refused with
/// an error naming each option that differs.
/// </summary>
internal sealed class TrainingCheckpoint(string directory, TrainingRecipe recipe)
{
    private const string FileName = "checkpoint.safetensors";

    private string Path => System.IO.Path.Combine(directory, FileName);

    public TrainingState? TryResume(ClassifierNetwork model, OptimizationSchedule optimizers)
    {
        DeleteStaleTemporaries();
        if (!File.Exists(Path)) return null;
        var tensors = Safetensors.Load(Path, null, out var meta);
        try
        {
            recipe.CheckResumable(meta, Path);
            var modelWeights = Prefixed(tensors, "model.");
            model.load_state_dict(modelWeights);
            var optimizerState = new optim.OptimizerState(Prefixed(tensors, "optimizer."),
                meta.Where(kv => kv.Key.StartsWith("optimizer.", StringComparison.Ordinal))
                    .ToDictionary(kv => kv.Key["optimizer.".Length..], kv => double.Parse(kv.Value, CultureInfo.InvariantCulture)));
            optimizers.LoadStateDict(optimizerState);
            var state = new TrainingState
            {
                CompletedEpochs = int.Parse(meta["completed_epochs"], CultureInfo.InvariantCulture),
                BatchesProcessed = long.Parse(meta["batches"], CultureInfo.InvariantCulture),
                EpochBatches = meta.TryGetValue("epoch_batches", out var epochBatches) ? long.Parse(epochBatches, CultureInfo.InvariantCulture) : 0,
                BestEpoch = int.Parse(meta["best_epoch"], CultureInfo.InvariantCulture),
                BestMetric = meta.TryGetValue("best_metric", out var best) ? double.Parse(best, CultureInfo.InvariantCulture) : null,
                EpochsWithoutImprovement = int.Parse(meta["epochs_without_improvement"], CultureInfo.InvariantCulture),
                Stopped = meta["stopped"] == "true",
            };
            var bestWeights = Prefixed(tensors, "best.");
            if (bestWeights.Count > 0) state.SetBestWeights(bestWeights.ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope()));
            return state;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Temporary files a killed process left behind (never under the final name: writes are renamed into place).</summary>
    private void DeleteStaleTemporaries()
    {
        if (!Directory.Exists(directory)) return;
        foreach (var stale in Directory.EnumerateFiles(directory, FileName + ".tmp-*"))
        {
            try
            {
                File.Delete(stale);
            }
            catch (IOException)
            {
            }
        }
    }

    private static Dictionary<string, Tensor> Prefixed(Dictionary<string, Tensor> tensors, string prefix) =>
        tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    public void Save(ClassifierNetwork model, OptimizationSchedule optimizers, TrainingState state)
    {
        Directory.CreateDirectory(directory);
        using var optimizerState = optimizers.StateDict();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (k, v) in model.state_dict()) tensors["model." + k] = v;
        foreach (var (k, v) in optimizerState.Tensors) tensors["optimizer." + k] = v;
        if (state.BestWeights is { } best)
            foreach (var (k, v) in best) tensors["best." + k] = v;
        var meta = new Dictionary<string, string>
        {
            ["completed_epochs"] = state.CompletedEpochs.ToString(CultureInfo.InvariantCulture),
            ["batches"] = state.BatchesProcessed.ToString(CultureInfo.InvariantCulture),
            ["epoch_batches"] = state.EpochBatches.ToString(CultureInfo.InvariantCulture),
            ["best_epoch"] = state.BestEpoch.ToString(CultureInfo.InvariantCulture),
            ["epochs_without_improvement"] = state.EpochsWithoutImprovement.ToString(CultureInfo.InvariantCulture),
            ["stopped"] = state.Stopped ? "true" : "false",
        };
        recipe.WriteTo(meta);
        if (state.BestMetric is { } metric) meta["best_metric"] = metric.ToString("R", CultureInfo.InvariantCulture);
        foreach (var (k, v) in optimizerState.Values) meta["optimizer." + k] = v.ToString("R", CultureInfo.InvariantCulture);
        Safetensors.Save(tensors, Path, meta);
    }
}
