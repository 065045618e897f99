using CnnMl.Models;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers;

/// <summary>Progress of a run: completed epochs, the best validation epoch and its weights, and early stopping.</summary>
internal sealed class TrainingState
{
    private Dictionary<string, Tensor>? bestWeights;

    public int CompletedEpochs { get; set; }
    public long BatchesProcessed { get; set; }

    /// <summary>Batches of the epoch after <see cref="CompletedEpochs"/> already trained (a mid-epoch checkpoint), else 0.</summary>
    public long EpochBatches { get; set; }
    public int BestEpoch { get; set; }
    public double? BestMetric { get; set; }
    public int EpochsWithoutImprovement { get; set; }
    public bool Stopped { get; set; }

    /// <summary>Records an epoch's validation result; keeps a copy of the weights when it is the best so far.</summary>
    public void Track(int epoch, double? accuracy, double? loss, CnnTrainerOptions options, ClassifierNetwork model)
    {
        if (accuracy is null || loss is null) return;
        var metric = options.EarlyStopping?.Metric ?? EarlyStoppingMetric.Loss;
        var value = metric == EarlyStoppingMetric.Accuracy ? accuracy.Value : loss.Value;
        var minDelta = options.EarlyStopping?.MinDelta ?? 0;
        var improved = BestMetric is not { } best || (metric == EarlyStoppingMetric.Accuracy ? value > best + minDelta : value < best - minDelta);
        if (improved)
        {
            BestMetric = value;
            BestEpoch = epoch;
            EpochsWithoutImprovement = 0;
            if (options.KeepBestWeights) SnapshotWeights(model);
        }
        else
        {
            EpochsWithoutImprovement++;
            if (options.EarlyStopping is { } es && EpochsWithoutImprovement >= es.Patience) Stopped = true;
        }
    }

    private void SnapshotWeights(ClassifierNetwork model)
    {
        DisposeBest();
        using (no_grad())
            bestWeights = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    /// <summary>Loads the best epoch's weights into the model (when kept and it was not the last epoch).</summary>
    public void RestoreBest(ClassifierNetwork model, CnnTrainerOptions options)
    {
        if (options.KeepBestWeights && bestWeights is not null && BestEpoch != CompletedEpochs) model.load_state_dict(bestWeights);
        DisposeBest();
    }

    /// <summary>The saved best weights, for checkpoints.</summary>
    public IReadOnlyDictionary<string, Tensor>? BestWeights => bestWeights;

    /// <summary>Adopts best weights read from a checkpoint.</summary>
    public void SetBestWeights(Dictionary<string, Tensor> weights)
    {
        DisposeBest();
        bestWeights = weights;
    }

    private void DisposeBest()
    {
        if (bestWeights is null) return;
        foreach (var t in bestWeights.Values) t.Dispose();
        bestWeights = null;
    }
}
