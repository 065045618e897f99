using System.Globalization;
using CnnMl.Trainers;
using Spectre.Console;

namespace CnnMl.ConsoleApp.Output;

/// <summary>
/// Shows training as it runs: on a terminal a live Spectre.Console progress bar per epoch
/// (batches, loss, accuracy, images/s, ETA); otherwise one plain line per report. Every report
/// also goes to the <see cref="TrainingHistory"/> the curves are drawn from.
/// </summary>
internal sealed class TrainingProgress
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly Terminal terminal;
    private readonly int epochs;
    private readonly int batchSize;
    private ProgressContext? context;
    private ProgressTask? task;
    private int taskEpoch;

    public TrainingProgress(Terminal terminal, int epochs, long batchesPerEpoch, int batchSize)
    {
        this.terminal = terminal;
        this.epochs = epochs;
        this.batchSize = batchSize;
        History = new TrainingHistory(batchesPerEpoch);
    }

    public TrainingHistory History { get; }

    /// <summary>Runs <paramref name="training"/> with the progress display live around it.</summary>
    public T Run<T>(Func<T> training)
    {
        if (terminal.Console is not { } console) return training();
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 16 }, new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                context = ctx;
                return training();
            });
    }

    /// <summary>The trainer's MetricsCallback.</summary>
    public void Report(TrainingMetrics m)
    {
        History.Add(m);
        var batches = History.BatchesPerEpoch;
        var done = m.IsEpochEnd ? batches : Math.Min(m.BatchesProcessed, batches);
        var remainingImages = ((epochs - m.Epoch) * batches + (batches - done)) * (double)batchSize;
        var eta = m.ImagesPerSecond > 0 ? TimeSpan.FromSeconds(remainingImages / m.ImagesPerSecond) : TimeSpan.Zero;
        if (context is { } ctx)
        {
            var line = Compact(m);
            if (task is null || taskEpoch != m.Epoch)
            {
                task = ctx.AddTask(Markup.Escape(line), maxValue: batches);
                taskEpoch = m.Epoch;
            }
            task.Description = Markup.Escape(line);
            task.Value = done;
            if (m.IsEpochEnd) task.StopTask();
            return;
        }
        terminal.Line(Describe(m, done, batches, eta));
    }

    /// <summary>The live bar's label, short enough for an 80-column terminal (the bar shows batches and ETA).</summary>
    private string Compact(TrainingMetrics m)
    {
        var text = string.Format(Inv, "epoch {0}/{1} loss {2:F3} acc {3:P1} {4:N0} img/s", m.Epoch, epochs, m.TrainCrossEntropy, m.TrainAccuracy, m.ImagesPerSecond);
        return m.IsEpochEnd && m.ValidationAccuracy is { } va ? string.Format(Inv, "epoch {0}/{1} loss {2:F3} acc {3:P1} val {4:P1}", m.Epoch, epochs, m.TrainCrossEntropy, m.TrainAccuracy, va) : text;
    }

    private string Describe(TrainingMetrics m, long done, long batches, TimeSpan eta)
    {
        var text = string.Format(Inv, "epoch {0}/{1} batch {2,5}/{3}  loss {4:F4}  accuracy {5,6:P2}  {6,6:N0} img/s",
            m.Epoch, epochs, done, batches, m.TrainCrossEntropy, m.TrainAccuracy, m.ImagesPerSecond);
        if (m.IsEpochEnd && m.ValidationAccuracy is { } va)
            text += string.Format(Inv, "  validation loss {0:F4} accuracy {1:P2}", m.ValidationCrossEntropy, va);
        else if (!m.IsEpochEnd)
            text += $"  ETA {eta:m\\:ss}";
        return text;
    }
}
