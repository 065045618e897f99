using CnnMl.Trainers;

namespace CnnMl.ConsoleApp.Output;

/// <summary>One point of a training curve: x in epochs (fractional within an epoch), loss and accuracy in [0, 1].</summary>
internal readonly record struct CurvePoint(double Epoch, double Loss, double Accuracy);

/// <summary>
/// What a training run reported: the running training metrics after every reported batch (x =
/// fraction of epochs done) and the per-epoch training and validation metrics.
/// </summary>
internal sealed class TrainingHistory
{
    private readonly List<CurvePoint> train = new();
    private readonly List<CurvePoint> validation = new();
    private readonly List<TrainingMetrics> epochs = new();

    public TrainingHistory(long batchesPerEpoch) => BatchesPerEpoch = Math.Max(1, batchesPerEpoch);

    /// <summary>Batches in one epoch (to place per-batch reports on the epoch axis).</summary>
    public long BatchesPerEpoch { get; }

    /// <summary>Running training loss and accuracy, per reported batch and at every epoch end.</summary>
    public IReadOnlyList<CurvePoint> Train => train;

    /// <summary>Validation loss and accuracy at every epoch end (empty without validation data).</summary>
    public IReadOnlyList<CurvePoint> Validation => validation;

    /// <summary>The per-epoch reports, in order.</summary>
    public IReadOnlyList<TrainingMetrics> Epochs => epochs;

    public void Add(TrainingMetrics m)
    {
        if (!m.IsEpochEnd)
        {
            var fraction = Math.Min(1.0, (double)m.BatchesProcessed / BatchesPerEpoch);
            train.Add(new CurvePoint(m.Epoch - 1 + fraction, m.TrainCrossEntropy, m.TrainAccuracy));
            return;
        }
        epochs.Add(m);
        // The epoch-end training metrics are the running means over the whole epoch.
        if (train.Count > 0 && train[^1].Epoch >= m.Epoch) train.RemoveAt(train.Count - 1);
        train.Add(new CurvePoint(m.Epoch, m.TrainCrossEntropy, m.TrainAccuracy));
        if (m.ValidationCrossEntropy is { } loss && m.ValidationAccuracy is { } accuracy)
            validation.Add(new CurvePoint(m.Epoch, loss, accuracy));
    }
}
