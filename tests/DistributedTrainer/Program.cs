using System.Diagnostics;
using System.Globalization;
using CnnMl.Datasets;
using CnnMl.Torch;
using CnnMl.Trainers;

// Trains the classic LeNet-5 (sigmoid, average pooling, no batch norm) with Adam on the first rows of
// the embedded Fashion-MNIST, as one process or as a rank of a job started by 'cnnml launch' (which
// sets RANK, WORLD_SIZE, ...); rank 0 writes the final weights. One libtorch thread per process, as
// the launcher's OMP_NUM_THREADS=1 gives every rank.
// Arguments: <weights.safetensors> <batch size per rank> <epochs> <rows>
//            [<checkpoint folder>|- [<fault rank> kill|freeze|stall|throw <after this many rows read on that rank>]]
if (args.Length is not (4 or 5 or 8))
{
    Console.Error.WriteLine("usage: CnnMl.DistributedTrainer <weights> <batch> <epochs> <rows> [<checkpoints>|- [<rank> kill|freeze|stall|throw <rows>]]");
    return 2;
}
int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
var checkpoints = args.Length > 4 && args[4] != "-" ? args[4] : null;
var fault = args.Length == 8 && Int(args[5]) == CnnDistributed.Rank ? args[6] : null;
var faultAfter = args.Length == 8 ? Int(args[7]) : 0;
torch.set_num_threads(1);

var ml = new MLContext(seed: 7);
var data = FashionMnist.Load(ml, train: true, options: new DatasetLoadOptions { MaxRows = Int(args[3]) });
if (fault is not null)
{
    // The fault strikes while this rank reads its training rows: a crash (SIGKILL), a frozen process
    // (SIGSTOP), a data source that never answers, or an exception.
    var read = 0;
    data = ml.Transforms.CustomMapping((Pixels input, Pixels output) =>
    {
        output.Features = input.Features;
        if (Interlocked.Increment(ref read) != faultAfter + 1) return;
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
var options = new LeNetTrainer.Options
{
    Variant = "lenet5",
    Epochs = Int(args[2]),
    BatchSize = Int(args[1]),
    Optimizer = CnnOptimizer.Adam,
    LearningRate = 2e-3,
    Seed = 11,
    CheckpointDirectory = checkpoints,
    MetricsBatchInterval = 1,
    MetricsCallback = m => Console.WriteLine(m.IsEpochEnd
        ? $"epoch {m.Epoch} end: loss {m.TrainCrossEntropy.ToString("R", CultureInfo.InvariantCulture)} accuracy {m.TrainAccuracy.ToString("R", CultureInfo.InvariantCulture)}"
        : $"epoch {m.Epoch} batch {m.BatchesProcessed} loss {m.TrainCrossEntropy.ToString("F4", CultureInfo.InvariantCulture)}"),
};
using var model = ml.MulticlassClassification.Trainers.LeNet(options).Fit(data);
if (CnnDistributed.IsMainProcess) Safetensors.Save(model.Model.state_dict(), args[0]);
Console.WriteLine($"rank {CnnDistributed.Rank} of {CnnDistributed.WorldSize} done");
return 0;

/// <summary>The features column the fault injection passes through.</summary>
internal sealed class Pixels
{
    [VectorType(1, 28, 28)]
    public float[] Features { get; set; } = [];
}
