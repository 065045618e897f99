using System.Diagnostics;
using CnnMl.Tests;
using CnnMl.Torch.Distributed;
using static CnnMl.Torch.torch;

namespace CnnMl.Torch.Tests;

/// <summary>
/// c10d through the binding: two ranks as two threads of this process, each with its own Gloo group
/// over a TCPStore on loopback (as PyTorch's own multi-threaded c10d tests run them).
/// </summary>
[TestClass]
public sealed class DistributedTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="body"/> as ranks 0 and 1 of a fresh group and returns their results.</summary>
    private static T[] OnTwoRanks<T>(Func<ProcessGroup, T> body, TimeSpan? timeout = null, bool nccl = false)
    {
        var port = FreeTcpPort.Next();
        var ranks = Enumerable.Range(0, 2).Select(rank => Task.Factory.StartNew(() =>
        {
            using var store = new TcpStore("127.0.0.1", port, 2, rank == 0, timeout ?? Timeout);
            using var group = nccl ? ProcessGroup.GlooAndNccl(store, rank, 2, timeout ?? Timeout) : ProcessGroup.Gloo(store, rank, 2, timeout ?? Timeout);
            return body(group);
        }, TaskCreationOptions.LongRunning)).ToArray();
        Assert.IsTrue(Task.WaitAll(ranks, TimeSpan.FromSeconds(120)), "the ranks did not finish");
        return ranks.Select(t => t.Result).ToArray();
    }

    [TestMethod]
    public void TheStoreSharesValuesAndCounters()
    {
        var seen = OnTwoRanks(group =>
        {
            var store = group.Store;
            store.Set($"from/{group.Rank}", $"rank {group.Rank} " + new string('x', 1000));
            var other = store.GetString($"from/{1 - group.Rank}");
            store.Add("arrived", 1);
            group.Barrier();
            return (other, store.Add("arrived", 0), store.Check("never-set"));
        });
        Assert.IsTrue(seen[0].other.StartsWith("rank 1 ") && seen[0].other.Length == 1007);
        Assert.IsTrue(seen[1].other.StartsWith("rank 0 "));
        Assert.AreEqual(2L, seen[0].Item2);
        Assert.IsFalse(seen[1].Item3);
    }

    [TestMethod]
    public void AllReduceAndBroadcastCombineTheRanksTensors()
    {
        var results = OnTwoRanks(group =>
        {
            using var sum = tensor(new[] { 1f + group.Rank, 10f * (group.Rank + 1) }, [2]);
            using var max = tensor(new[] { (float)group.Rank, -group.Rank }, [2]);
            group.AllReduce([sum]);
            group.AllReduce([max], ReduceOp.Max);
            using var a = full([3], group.Rank + 5f);
            using var b = full([2, 2], group.Rank + 7.0, dtype: ScalarType.Float64);
            group.BroadcastCoalesced([a, b], bufferBytes: 16, root: 1);
            return (sum.data<float>().ToArray(), max.data<float>().ToArray(), a.data<float>().ToArray(), b.data<double>().ToArray());
        });
        foreach (var (sum, max, a, b) in results)
        {
            CollectionAssert.AreEqual(new[] { 3f, 30f }, sum);
            CollectionAssert.AreEqual(new[] { 1f, 0f }, max);
            CollectionAssert.AreEqual(new[] { 6f, 6f, 6f }, a);
            CollectionAssert.AreEqual(new[] { 8.0, 8.0, 8.0, 8.0 }, b);
        }
    }

    /// <summary>
    /// Each rank backpropagates its own inputs through the same two-layer network; after DDP's
    /// backward every rank holds the mean of the two ranks' gradients, computed here on one rank's
    /// thread without DDP as the reference, in the first step (one bucket) and the later ones
    /// (buckets rebuilt, 1 KiB cap so there are several).
    /// </summary>
    [TestMethod]
    public void DdpAveragesGradientsAcrossRanks()
    {
        // The global generator is shared by the two rank threads, so every random value is drawn here first.
        const int Steps = 3;
        manual_seed(3);
        var weights = new[] { randn([16, 8]).data<float>().ToArray(), randn([4, 16]).data<float>().ToArray() };
        var inputs = Enumerable.Range(0, Steps).Select(_ => Enumerable.Range(0, 2).Select(_ => randn([5, 8]).data<float>().ToArray()).ToArray()).ToArray();
        (Tensor w1, Tensor w2) Weights() => (tensor(weights[0], [16, 8]).requires_grad_(), tensor(weights[1], [4, 16]).requires_grad_());
        Tensor Input(int rank, int step) => tensor(inputs[step][rank], [5, 8]);
        static Tensor Loss(Tensor w1, Tensor w2, Tensor x) => x.matmul(w1.t()).tanh().matmul(w2.t()).pow(2).mean();

        var grads = OnTwoRanks(group =>
        {
            var (w1, w2) = Weights();
            using var ddp = new DistributedDataParallel(group, [w1, w2], bucketCapMegabytes: 1.0 / 1024);
            var perStep = new List<float[][]>();
            for (int step = 0; step < Steps; step++)
            {
                w1.grad?.zero_();
                w2.grad?.zero_();
                ddp.BeforeForward();
                var loss = Loss(w1, w2, Input(group.Rank, step));
                ddp.PrepareForBackward(loss);
                loss.backward();
                perStep.Add([w1.grad!.data<float>().ToArray(), w2.grad!.data<float>().ToArray()]);
            }
            return perStep;
        });
        for (int step = 0; step < Steps; step++)
        {
            var (w1, w2) = Weights();
            for (int rank = 0; rank < 2; rank++) Loss(w1, w2, Input(rank, step)).div(2).backward();
            var expected = new[] { w1.grad!.data<float>().ToArray(), w2.grad!.data<float>().ToArray() };
            for (int rank = 0; rank < 2; rank++)
                for (int p = 0; p < 2; p++)
                    for (int i = 0; i < expected[p].Length; i++)
                        Assert.AreEqual(expected[p][i], grads[rank][step][p][i], 1e-5 * Math.Max(1, Math.Abs(expected[p][i])), $"step {step}, rank {rank}, parameter {p}, element {i}");
        }
    }

    /// <summary>
    /// SyncBatchNorm on two ranks of 4 images each (NCHW or channels-last) against one BatchNorm2d on the 8 images together: the
    /// same outputs, running statistics and input gradients, and weight and bias gradients whose sum
    /// over the ranks is the single layer's (DDP then averages them).
    /// </summary>
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void SyncBatchNormNormalizesOverEveryRanksBatch(bool channelsLast)
    {
        manual_seed(5);
        var x = randn([8, 3, 5, 5]).mul(2).add(1).data<float>().ToArray();
        var upstream = randn([8, 3, 5, 5]).data<float>().ToArray();
        var affine = randn([3]).data<float>().ToArray();
        Modules.BatchNorm2d Layer()
        {
            var layer = new Modules.BatchNorm2d(3);
            using (no_grad())
            {
                layer.weight!.copy_(tensor(affine, [3]));
                layer.bias!.fill_(0.5);
            }
            return layer;
        }
        float[] Slice(float[] all, int rank) => all.AsSpan(rank * 300, 300).ToArray();

        var ranks = OnTwoRanks(group =>
        {
            var layer = Layer();
            Assert.AreEqual(1, DistributedDataParallel.ConvertSyncBatchNorm(layer, group));
            layer.train();
            var input = tensor(Slice(x, group.Rank), [4, 3, 5, 5]);
            if (channelsLast) input = input.contiguous(MemoryFormat.ChannelsLast);
            input.requires_grad_();
            var output = layer.call(input);
            output.mul(tensor(Slice(upstream, group.Rank), [4, 3, 5, 5])).sum().backward();
            return (Output: output.contiguous().data<float>().ToArray(), Dx: input.grad!.contiguous().data<float>().ToArray(), Dw: layer.weight!.grad!.data<float>().ToArray(),
                Db: layer.bias!.grad!.data<float>().ToArray(), Mean: layer.running_mean!.data<float>().ToArray(), Var: layer.running_var!.data<float>().ToArray());
        });

        var single = Layer();
        single.train();
        var all = tensor(x, [8, 3, 5, 5]).requires_grad_();
        var reference = single.call(all);
        reference.mul(tensor(upstream, [8, 3, 5, 5])).sum().backward();
        static void Near(float[] expected, float[] actual, string what)
        {
            for (int i = 0; i < expected.Length; i++)
                Assert.AreEqual(expected[i], actual[i], 2e-5 * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]");
        }
        for (int rank = 0; rank < 2; rank++)
        {
            Near(Slice(reference.data<float>().ToArray(), rank), ranks[rank].Output, $"rank {rank} output");
            Near(Slice(all.grad!.data<float>().ToArray(), rank), ranks[rank].Dx, $"rank {rank} input gradient");
            Near(single.running_mean!.data<float>().ToArray(), ranks[rank].Mean, $"rank {rank} running mean");
            Near(single.running_var!.data<float>().ToArray(), ranks[rank].Var, $"rank {rank} running variance");
        }
        Near(single.weight!.grad!.data<float>().ToArray(), ranks[0].Dw.Zip(ranks[1].Dw, (a, b) => a + b).ToArray(), "weight gradient, summed over ranks");
        Near(single.bias!.grad!.data<float>().ToArray(), ranks[0].Db.Zip(ranks[1].Db, (a, b) => a + b).ToArray(), "bias gradient, summed over ranks");
    }

    [TestMethod]
    public void ARankThatNeverJoinsTheCollectiveTimesTheOthersOut()
    {
        var clock = Stopwatch.StartNew();
        var outcome = OnTwoRanks(group =>
        {
            if (group.Rank == 1)
            {
                Thread.Sleep(TimeSpan.FromSeconds(8));
                return "";
            }
            using var t = ones([4]);
            try
            {
                group.AllReduce([t]);
                return "completed";
            }
            catch (TorchException e)
            {
                return e.Message;
            }
        }, TimeSpan.FromSeconds(3));
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.AreNotEqual("completed", outcome[0]);
        StringAssert.Contains(outcome[0].ToLowerInvariant(), "time", outcome[0]);
    }

    /// <summary>A library without NCCL refuses a group that asks for it, saying why, and leaves the store usable.</summary>
    [TestMethod]
    public void AGroupAskingForNcclWithoutItIsRefused()
    {
        if (ProcessGroup.IsNcclAvailable) Assert.Inconclusive($"this native library has NCCL (libtorch {__version__}): NcclCarriesCudaTensorsAndGlooCpuTensors covers it");
        Assert.IsTrue(ProcessGroup.IsGlooAvailable);
        using var store = new TcpStore("127.0.0.1", FreeTcpPort.Next(), 1, isServer: true, Timeout);
        var e = Assert.ThrowsException<TorchException>(() => ProcessGroup.GlooAndNccl(store, 0, 1, Timeout));
        StringAssert.Contains(e.Message, "NCCL is not available");
        StringAssert.Contains(e.Message, $"libtorch {__version__}");
        store.Set("after", "still here");
        Assert.AreEqual("still here", store.GetString("after"));
        using var gloo = ProcessGroup.Gloo(store, 0, 1, Timeout);
        Assert.AreEqual("gloo", gloo.Backend);
    }

    /// <summary>
    /// One group, two backends, as torch.distributed's "cpu:gloo,cuda:nccl": on one GPU as a one-rank
    /// job, CUDA tensors go through NCCL (all-reduce, broadcast, DDP's reducer, SyncBatchNorm) and CPU
    /// tensors through Gloo in the same group; with a second GPU, two ranks (threads) reduce together.
    /// </summary>
    [TestMethod]
    public void NcclCarriesCudaTensorsAndGlooCpuTensors()
    {
        var device = CudaTestDevice.Get();
        if (!ProcessGroup.IsNcclAvailable) Assert.Inconclusive($"this native library was built against libtorch {__version__} without NCCL");
        using (var store = new TcpStore("127.0.0.1", FreeTcpPort.Next(), 1, isServer: true, Timeout))
        using (var group = ProcessGroup.GlooAndNccl(store, 0, 1, Timeout))
        {
            Assert.AreEqual("cpu:gloo,cuda:nccl", group.Backend);
            using var onGpu = tensor(new[] { 1f, -2f, 3f }, [3]).to(device);
            using var onCpu = tensor(new[] { 4.0, 5.0 }, [2]);
            group.AllReduce([onGpu]);
            group.AllReduce([onCpu], ReduceOp.Max);
            group.BroadcastCoalesced([onGpu]);
            group.Barrier();
            CollectionAssert.AreEqual(new[] { 1f, -2f, 3f }, onGpu.cpu().data<float>().ToArray());
            CollectionAssert.AreEqual(new[] { 4.0, 5.0 }, onCpu.data<double>().ToArray());

            manual_seed(11);
            var w = randn([4, 3]).to(device).requires_grad_();
            var x = randn([6, 3]).to(device);
            using var ddp = new DistributedDataParallel(group, [w]);
            ddp.BeforeForward();
            var loss = x.matmul(w.t()).tanh().sum();
            ddp.PrepareForBackward(loss);
            loss.backward();
            var reference = w.detach().clone().requires_grad_();
            x.matmul(reference.t()).tanh().sum().backward();
            var (ours, theirs) = (w.grad!.cpu().data<float>().ToArray(), reference.grad!.cpu().data<float>().ToArray());
            for (int i = 0; i < ours.Length; i++) Assert.AreEqual(theirs[i], ours[i], 1e-5f, $"gradient[{i}]");

            var layer = new Modules.BatchNorm2d(3);
            layer.to(device);
            var plain = new Modules.BatchNorm2d(3);
            plain.to(device);
            DistributedDataParallel.ConvertSyncBatchNorm(layer, group);
            layer.train();
            plain.train();
            var images = randn([4, 3, 5, 5]).to(device);
            var (synced, single) = (layer.call(images).cpu().data<float>().ToArray(), plain.call(images).cpu().data<float>().ToArray());
            for (int i = 0; i < synced.Length; i++) Assert.AreEqual(single[i], synced[i], 1e-4f, $"SyncBatchNorm output[{i}]");
        }

        if (cuda.device_count() < 2) return;
        var sums = OnTwoRanks(group =>
        {
            using var t = full([5], group.Rank + 1f, device: new Device(DeviceType.CUDA, group.Rank));
            group.AllReduce([t]);
            return t.cpu().data<float>().ToArray();
        }, nccl: true);
        foreach (var sum in sums) CollectionAssert.AreEqual(Enumerable.Repeat(3f, 5).ToArray(), sum);
    }

    [TestMethod]
    public void AStoreWithNoServerFailsWithinItsTimeout()
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.ThrowsException<TorchException>(() => new TcpStore("127.0.0.1", FreeTcpPort.Next(), 2, isServer: false, TimeSpan.FromSeconds(2)));
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.IsFalse(string.IsNullOrWhiteSpace(e.Message));
    }
}
