using System.Diagnostics;
using System.Globalization;
using CnnMl.Datasets;
using CnnMl.Torch;
using CnnMl.Trainers;

// Trains a zoo network (default: the classic LeNet-5, sigmoid, average pooling, no batch norm) with Adam
// on the first rows of the embedded Fashion-MNIST, as one process or as a rank of a job started by
// 'cnnml launch' (which sets RANK, WORLD_SIZE, ...); rank 0 writes the final weights. One libtorch
// thread per process, as the launcher's OMP_NUM_THREADS=1 gives every rank.
// Arguments: <weights.safetensors> <batch size per rank> <epochs> <rows> then any of
//   --model <zoo name>   --sync-batch-norm   --sgd <learning rate> (momentum 0.9; default Adam 2e-3)   --checkpoints <folder>
//   --fault <rank> kill|freeze|stall|throw|unreadable <after this many rows read on that rank>
//     (unreadable: the next batch-size rows that rank reads are unreadable images, skipped)
//   --every-rank-saves   ranks other than 0 also write their weights, to <weights>.rank<N>
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: CnnMl.DistributedTrainer <weights> <batch> <epochs> <rows> [--model M] [--sync-batch-norm] [--sgd LR] [--checkpoints DIR] [--fault RANK KIND ROWS] [--every-rank-saves]");
    return 2;
}
int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
string? checkpoints = null, fault = null, architecture = "lenet5";
var faultAfter = 0;
var syncBatchNorm = false;
var everyRankSaves = false;
var (optimizer, learningRate) = (CnnOptimizer.Adam, 2e-3);
for (int i = 4; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--model": architecture = args[++i]; break;
        case "--sync-batch-norm": syncBatchNorm = true; break;
        case "--sgd": (optimizer, learningRate) = (CnnOptimizer.Sgd, double.Parse(args[++i], CultureInfo.InvariantCulture)); break;
        case "--checkpoints": checkpoints = args[++i]; break;
        case "--every-rank-saves": everyRankSaves = true; break;
        case "--fault":
            if (Int(args[i + 1]) == CnnDistributed.Rank) (fault, faultAfter) = (args[i + 2], Int(args[i + 3]));
            i += 3;
            break;
        default: Console.Error.WriteLine($"unknown argument '{args[i]}'"); return 2;
    }
}
torch.set_num_threads(1);

var ml = new MLContext(seed: 7);
var data = FashionMnist.Load(ml, train: true, options: new DatasetLoadOptions { MaxRows = Int(args[3]) });
if (fault is not null)
{
    // The fault strikes while this rank reads its training rows: a crash (SIGKILL), a frozen process
    // (SIGSTOP), a data source that never answers, an exception, or a batch of unreadable images.
    var read = 0;
    var batchSize = Int(args[1]);
    data = ml.Transforms.CustomMapping((Pixels input, Pixels output) =>
    {
        output.Features = input.Features;
        var row = Interlocked.Increment(ref read);
        if (fault == "unreadable" && row > faultAfter && row <= faultAfter + batchSize)
            throw new InvalidDataException($"injected: image {row} of this rank is unreadable");
        if (row != faultAfter + 1) return;
        Console.Error.WriteLine($"injecting fault '{fault}' after {faultAfter} rows");
        switch (fault)
        {
            case "kill": Process.GetCurrentProcess().Kill(); break;
            case "freeze": Process.Start("kill", ["-STOP", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)])!.WaitForExit(); break;
            case "stall": Thread.Sleep(Timeout.Infinite); break;
            case "throw": throw new InvalidDataException("injected: this rank's data source failed");
        }
    }, contractName: null).Fit(data).Transform(data);
}
var options = new CnnTrainer.Options
{
    Architecture = architecture,
    Distributed = syncBatchNorm ? DistributedTrainingOptions.FromEnvironment() is { } job ? WithSyncBatchNorm(job) : null : null,
    Epochs = Int(args[2]),
    BatchSize = Int(args[1]),
    Optimizer = optimizer,
    LearningRate = learningRate,
    Seed = 11,
    CheckpointDirectory = checkpoints,
    SkipUnreadableImages = fault == "unreadable",
    MetricsBatchInterval = 1,
    MetricsCallback = m => Console.WriteLine(m.IsEpochEnd
        ? $"epoch {m.Epoch} end: loss {m.TrainCrossEntropy.ToString("R", CultureInfo.InvariantCulture)} accuracy {m.TrainAccuracy.ToString("R", CultureInfo.InvariantCulture)}"
        : $"epoch {m.Epoch} batch {m.BatchesProcessed} loss {m.TrainCrossEntropy.ToString("F4", CultureInfo.InvariantCulture)}"),
};
using var model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(data);
if (CnnDistributed.IsMainProcess) Safetensors.Save(model.Model.state_dict(), args[0]);
else if (everyRankSaves) Safetensors.Save(model.Model.state_dict(), $"{args[0]}.rank{CnnDistributed.Rank}");
Console.WriteLine($"rank {CnnDistributed.Rank} of {CnnDistributed.WorldSize} done");
return 0;

static DistributedTrainingOptions WithSyncBatchNorm(DistributedTrainingOptions job)
{
    job.SyncBatchNorm = true;
    return job;
}

/// <summary>The features column the fault injection passes through.</summary>
internal sealed class Pixels
{
    [VectorType(1, 28, 28)]
    public float[] Features { get; set; } = [];
}
