using System.Diagnostics;
using CnnMl.Tests;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.ConsoleApp.Tests;

/// <summary>
/// Data-parallel training end to end: tests/DistributedTrainer, a plain ML.NET program, runs as two
/// ranks under <c>cnnml launch</c> (Gloo over 127.0.0.1), as one process for comparison, and with
/// faults injected into one rank.
/// </summary>
[TestClass]
public sealed class DistributedTrainingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);

    private static string Trainer => Cli.RepositoryFile("tests/DistributedTrainer", "bin", "CnnMl.DistributedTrainer.dll");

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Runs the trainer as <paramref name="ranks"/> ranks of a job through the cnnml launcher.</summary>
    private static CliResult Launch(int ranks, int timeoutSeconds, params string[] trainerArguments) =>
        Cli.RunDll(Cli.RepositoryFile("samples/ConsoleApp", "bin", "cnnml.dll"), Limit,
            ["launch", "--nproc-per-node", ranks.ToString(), "--master-port", FreeTcpPort.Next().ToString(), "--dist-timeout", timeoutSeconds.ToString(), "--", Dotnet, Trainer, .. trainerArguments]);

    /// <summary>
    /// Two ranks of batch 32 train 2 epochs of 1,280 rows with fault <paramref name="kind"/> injected into
    /// <paramref name="rank"/> after it has read <paramref name="afterRows"/> rows; the job must fail.
    /// </summary>
    private static CliResult FailedJob(int rank, string kind, int afterRows, int timeoutSeconds)
    {
        var weights = Path.Combine(Cli.TempFolder($"ddp-{kind}{rank}"), "w.safetensors");
        var failed = Launch(2, timeoutSeconds, weights, "32", "2", "1280", "--fault", rank.ToString(), kind, afterRows.ToString());
        Assert.AreNotEqual(0, failed.ExitCode, failed.ToString());
        return failed;
    }

    private static Dictionary<string, float[]> Weights(string path)
    {
        var tensors = Safetensors.Load(path);
        try
        {
            // Floating-point weights and running statistics (batch norms' step counters are int64).
            return tensors.Where(kv => kv.Value.dtype == ScalarType.Float32).ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>The largest per-tensor max |a - b| / max |a| over the weights of two files.</summary>
    private static double WorstRelativeDifference(string a, string b)
    {
        var (first, second) = (Weights(a), Weights(b));
        CollectionAssert.AreEquivalent(first.Keys.ToList(), second.Keys.ToList());
        return first.Max(kv => kv.Value.Zip(second[kv.Key], (x, y) => (double)Math.Abs(x - y)).Max() / kv.Value.Max(v => (double)Math.Abs(v)));
    }

    /// <summary>|a - b| / |a| over all floating-point tensors of two files together.</summary>
    private static double RelativeNormDifference(string a, string b)
    {
        var (first, second) = (Weights(a), Weights(b));
        double difference = 0, norm = 0;
        foreach (var (name, values) in first)
            for (int i = 0; i < values.Length; i++)
            {
                difference += Math.Pow(values[i] - second[name][i], 2);
                norm += Math.Pow(values[i], 2);
            }
        return Math.Sqrt(difference / norm);
    }

    /// <summary>
    /// The acceptance check: 200 steps of LeNet-5 (no batch norm) on 12,800 Fashion-MNIST images,
    /// two ranks of batch 32 against one process of batch 64 on the same data order, end with the same
    /// weights within 1e-5 relative (measured 1.2e-6: float rounding of the two ways to average a batch).
    /// </summary>
    [TestMethod]
    public void TwoRanksOfBatch32EndWithTheWeightsOfOneProcessOfBatch64()
    {
        var folder = Cli.TempFolder("ddp-equivalence");
        var single = Cli.RunDll(Trainer, Limit, Path.Combine(folder, "single.safetensors"), "64", "1", "12800");
        Assert.AreEqual(0, single.ExitCode, single.ToString());
        StringAssert.Contains(single.Output, "epoch 1 batch 200 ");
        var job = Launch(2, 60, Path.Combine(folder, "ranks.safetensors"), "32", "1", "12800");
        Assert.AreEqual(0, job.ExitCode, job.ToString());
        StringAssert.Contains(job.Output, "epoch 1 batch 200 ", "rank 0 reports 200 steps");
        StringAssert.Contains(job.Output, "rank 0 of 2 done");
        Assert.IsFalse(File.Exists(Path.Combine(folder, "ranks.safetensors.tmp")));
        var worst = WorstRelativeDifference(Path.Combine(folder, "single.safetensors"), Path.Combine(folder, "ranks.safetensors"));
        Assert.IsTrue(worst <= 1e-5, $"weights differ by {worst:E2} relative");
        Console.WriteLine($"worst relative weight difference after 200 steps: {worst:E2}");
    }

    /// <summary>
    /// A network with batch norm (smallcnn, SGD) for 5 steps: with SyncBatchNorm, two ranks of batch 32
    /// normalize over the same 64 images as one process of batch 64 and end with its weights (4.6e-7
    /// relative, as a norm over all weights and running statistics); without it each rank normalizes its
    /// own 32 and the weights differ 10,000 times more (4.8e-3). The norm, not each tensor's largest
    /// element: a bias a batch norm follows gets only rounding noise as gradient, and max-pooling over
    /// Fashion-MNIST's flat background breaks exact ties by rounding, so single elements may move apart.
    /// </summary>
    [TestMethod]
    public void WithSyncBatchNormTwoRanksMatchOneProcessOnANetworkWithBatchNorm()
    {
        var folder = Cli.TempFolder("ddp-syncbn");
        string[] recipe = ["--model", "smallcnn", "--sgd", "0.02"];
        var single = Cli.RunDll(Trainer, Limit, [Path.Combine(folder, "single.safetensors"), "64", "1", "320", .. recipe]);
        Assert.AreEqual(0, single.ExitCode, single.ToString());
        var synced = Launch(2, 60, [Path.Combine(folder, "synced.safetensors"), "32", "1", "320", .. recipe, "--sync-batch-norm"]);
        Assert.AreEqual(0, synced.ExitCode, synced.ToString());
        var perRank = Launch(2, 60, [Path.Combine(folder, "per-rank.safetensors"), "32", "1", "320", .. recipe]);
        Assert.AreEqual(0, perRank.ExitCode, perRank.ToString());
        var withSync = RelativeNormDifference(Path.Combine(folder, "single.safetensors"), Path.Combine(folder, "synced.safetensors"));
        var without = RelativeNormDifference(Path.Combine(folder, "single.safetensors"), Path.Combine(folder, "per-rank.safetensors"));
        Assert.IsTrue(withSync <= 1e-5, $"SyncBatchNorm: weights differ by {withSync:E2} relative");
        Assert.IsTrue(without > 100 * withSync, $"per-rank batch norm ({without:E2}) should differ clearly more than SyncBatchNorm ({withSync:E2})");
        Console.WriteLine($"relative weight difference after 5 steps: {withSync:E2} with SyncBatchNorm, {without:E2} without");
    }

    /// <summary>
    /// Rank 1 is killed (SIGKILL) in the second epoch: rank 0 stops at once with an error naming rank 1,
    /// the launcher exits non-zero, the epoch-1 checkpoint is intact, a rerun resumes from it and ends
    /// with the weights of a run never interrupted, and one process refuses the two-rank checkpoint.
    /// </summary>
    [TestMethod]
    public void AKilledRankStopsTheJobAndTheRerunResumesFromTheLastCheckpoint()
    {
        var folder = Cli.TempFolder("ddp-kill");
        var checkpoints = Path.Combine(folder, "checkpoints");
        var clock = Stopwatch.StartNew();
        var killed = Launch(2, 60, Path.Combine(folder, "resumed.safetensors"), "32", "3", "1280", "--checkpoints", checkpoints, "--fault", "1", "kill", "700");
        Assert.AreNotEqual(0, killed.ExitCode, killed.ToString());
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(45), $"the job took {clock.Elapsed} to stop (timeout 60 s: a dead peer must not wait for it)");
        StringAssert.Contains(killed.Error, "rank 1 (pid", killed.ToString());
        StringAssert.Contains(killed.Error, "killed by signal 9", killed.ToString());
        StringAssert.Contains(killed.Error, "DistributedTrainingException: rank 0 stopped in step", killed.ToString());
        StringAssert.Contains(killed.Error, "rank 1 stopped responding", killed.ToString());
        StringAssert.Contains(killed.Output, "epoch 1 end", "the first epoch completed before the fault");
        Assert.IsFalse(killed.Output.Contains("epoch 2 end"), killed.ToString());
        Assert.IsTrue(File.Exists(Path.Combine(checkpoints, "checkpoint.safetensors")));

        var resumed = Launch(2, 60, Path.Combine(folder, "resumed.safetensors"), "32", "3", "1280", "--checkpoints", checkpoints);
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        Assert.IsFalse(resumed.Output.Contains("epoch 1 "), "the rerun starts after the checkpointed epoch 1:\n" + resumed.Output);
        StringAssert.Contains(resumed.Output, "epoch 2 batch 1 ");
        var uninterrupted = Launch(2, 60, Path.Combine(folder, "uninterrupted.safetensors"), "32", "3", "1280");
        Assert.AreEqual(0, uninterrupted.ExitCode, uninterrupted.ToString());
        Assert.AreEqual(0.0, WorstRelativeDifference(Path.Combine(folder, "uninterrupted.safetensors"), Path.Combine(folder, "resumed.safetensors")), "a resumed run ends as an uninterrupted one");

        var alone = Cli.RunDll(Trainer, Limit, Path.Combine(folder, "alone.safetensors"), "32", "4", "1280", "--checkpoints", checkpoints);
        Assert.AreNotEqual(0, alone.ExitCode, alone.ToString());
        StringAssert.Contains(alone.Error, "DistributedTrainingOptions.WorldSize 2, these options have 1", alone.ToString());
    }

    /// <summary>
    /// Rank 1 freezes (SIGSTOP): rank 0's all-reduce times out after the 5 s timeout, its error names
    /// rank 1 as not responding, and the launcher stops the frozen rank and exits non-zero.
    /// </summary>
    [TestMethod]
    public void AFrozenRankIsNamedWhenTheTimeoutExpires()
    {
        var clock = Stopwatch.StartNew();
        var frozen = FailedJob(rank: 1, "freeze", afterRows: 100, timeoutSeconds: 5);
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
        StringAssert.Contains(frozen.Error, "rank 1 stopped responding: its process died or hangs", frozen.ToString());
        StringAssert.Contains(frozen.Error, "cnnml launch: rank 0", frozen.ToString());
        StringAssert.Contains(frozen.Error, "stopping rank(s) 1", frozen.ToString());
    }

    /// <summary>Rank 1's data source never answers: the process lives, so rank 0 names it as stuck behind.</summary>
    [TestMethod]
    public void ARankStuckOutsideTheCollectivesIsNamedAsBehind()
    {
        var stalled = FailedJob(rank: 1, "stall", afterRows: 100, timeoutSeconds: 5);
        StringAssert.Contains(stalled.Error, "rank 1 responds but is stuck at step", stalled.ToString());
    }

    /// <summary>Rank 0, which hosts the rendezvous store, is killed: rank 1 names it as unreachable and stops.</summary>
    [TestMethod]
    public void AKilledRankZeroIsNamedAsTheStoreHost()
    {
        var killed = FailedJob(rank: 0, "kill", afterRows: 300, timeoutSeconds: 60);
        StringAssert.Contains(killed.Error, "cnnml launch: rank 0 (pid", killed.ToString());
        StringAssert.Contains(killed.Error, "[rank 1] Unhandled exception. CnnMl.Trainers.DistributedTrainingException: rank 1 stopped in step", killed.ToString());
        StringAssert.Contains(killed.Error, "rank 0, which hosts the rendezvous store at 127.0.0.1:", killed.ToString());
    }

    /// <summary>Two launchers, as on two machines (--nnodes 2, each its --node-rank), form one job of ranks 0 and 1.</summary>
    [TestMethod]
    public void TwoLaunchersAsTwoNodesFormOneJob()
    {
        var folder = Cli.TempFolder("ddp-nodes");
        var port = FreeTcpPort.Next().ToString();
        string[] Node(int rank) => ["launch", "--nnodes", "2", "--node-rank", rank.ToString(), "--nproc-per-node", "1", "--master-port", port, "--dist-timeout", "60", "--",
            Dotnet, Trainer, Path.Combine(folder, $"node{rank}.safetensors"), "32", "1", "640"];
        var cnnml = Cli.RepositoryFile("samples/ConsoleApp", "bin", "cnnml.dll");
        var second = Task.Run(() => Cli.RunDll(cnnml, Limit, Node(1)));
        var first = Cli.RunDll(cnnml, Limit, Node(0));
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        Assert.AreEqual(0, second.Result.ExitCode, second.Result.ToString());
        StringAssert.Contains(first.Output, "rank 0 of 2 done");
        Assert.IsTrue(File.Exists(Path.Combine(folder, "node0.safetensors")), "rank 0 writes the weights");
        Assert.IsFalse(File.Exists(Path.Combine(folder, "node1.safetensors")), "rank 1 writes nothing");
    }

    [TestMethod]
    public void SyncBatchNormWithoutAJobIsAUsageError()
    {
        var result = Cli.Run("train", "--model", "smallcnn", "--sync-batch-norm", "--limit", "64", "--epochs", "1");
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "--sync-batch-norm needs a data-parallel job");
    }

    /// <summary>--dist-backend reaches every rank; NCCL where this library has none stops each rank with the reason, and the launcher fails.</summary>
    [TestMethod]
    public void TheBackendOptionReachesTheRanks()
    {
        var unknown = Cli.Run("train", "--model", "smallcnn", "--nproc-per-node", "2", "--dist-backend", "mpi");
        Assert.AreEqual(2, unknown.ExitCode, unknown.ToString());
        StringAssert.Contains(unknown.Error, "mpi");
        if (Torch.Distributed.ProcessGroup.IsNcclAvailable) Assert.Inconclusive($"this native library has NCCL (libtorch {__version__})");
        var refused = Cli.RunDll(Cli.RepositoryFile("samples/ConsoleApp", "bin", "cnnml.dll"), Limit,
            ["train", "--model", "smallcnn", "--limit", "64", "--epochs", "1", "--nproc-per-node", "2", "--master-port", FreeTcpPort.Next().ToString(),
             "--dist-timeout", "20", "--dist-backend", "nccl", "--output", Path.Combine(Cli.TempFolder("ddp-nccl"), "m.zip")]);
        Assert.AreNotEqual(0, refused.ExitCode, refused.ToString());
        StringAssert.Contains(refused.Error, "Backend is Nccl", refused.ToString());
        StringAssert.Contains(refused.Error, "without NCCL", refused.ToString());
    }

    /// <summary>
    /// With SkipUnreadableImages, a batch of rank 1 whose images are all unreadable still makes a step
    /// there (it adds nothing to the gradients): both ranks take every step, and end with the same weights.
    /// </summary>
    [TestMethod]
    [DataRow("lenet5", false)]
    [DataRow("smallcnn", true)]
    public void ABatchOfOnlyUnreadableImagesStillTakesItsStep(string model, bool syncBatchNorm)
    {
        var weights = Path.Combine(Cli.TempFolder("ddp-unreadable"), "w.safetensors");
        string[] arguments = [weights, "32", "2", "1280", "--model", model, "--fault", "1", "unreadable", "320", "--every-rank-saves", .. syncBatchNorm ? new[] { "--sync-batch-norm" } : []];
        var result = Launch(2, 60, arguments);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "rank 0 of 2 done");
        foreach (var (name, values) in Weights(weights))
        {
            CollectionAssert.AreEqual(values, Weights(weights + ".rank1")[name], $"{name}: the ranks' weights differ");
            Assert.IsTrue(values.All(float.IsFinite), $"{name} is not finite");
        }
    }

    /// <summary>Rank 1 fails with an exception: it tells the others why, and rank 0's error quotes it.</summary>
    [TestMethod]
    public void ARankThatFailsTellsTheOthersWhy()
    {
        var failed = FailedJob(rank: 1, "throw", afterRows: 100, timeoutSeconds: 30);
        StringAssert.Contains(failed.Error, "rank 1 failed: InvalidDataException", failed.ToString());
        StringAssert.Contains(failed.Error, "injected: this rank's data source failed", failed.ToString());
    }
}
