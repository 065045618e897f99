using CnnMl.Torch;
using CnnMl.Torch.Distributed;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// Choosing the c10d backend for a job's CUDA tensors: the environment's CNNML_DIST_BACKEND, what
/// Auto resolves to on this machine, and the errors of asking for NCCL where it cannot run, all
/// raised before any rank opens a connection.
/// </summary>
[TestClass]
public sealed class DistributedBackendTests
{
    private static readonly string[] JobVariables = ["WORLD_SIZE", "RANK", "MASTER_PORT", "CNNML_DIST_BACKEND"];

    /// <summary>Runs <paramref name="body"/> with a two-rank job's variables and <paramref name="backend"/> set, restoring the environment after.</summary>
    private static T WithJobEnvironment<T>(string? backend, Func<T> body)
    {
        var saved = JobVariables.ToDictionary(name => name, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("WORLD_SIZE", "2");
            Environment.SetEnvironmentVariable("RANK", "1");
            Environment.SetEnvironmentVariable("MASTER_PORT", "29555");
            Environment.SetEnvironmentVariable("CNNML_DIST_BACKEND", backend);
            return body();
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }

    [TestMethod]
    [DataRow(null, DistributedBackend.Auto)]
    [DataRow("gloo", DistributedBackend.Gloo)]
    [DataRow("NCCL", DistributedBackend.Nccl)]
    [DataRow("Auto", DistributedBackend.Auto)]
    public void TheEnvironmentNamesTheBackend(string? variable, DistributedBackend expected)
    {
        var options = WithJobEnvironment(variable, DistributedTrainingOptions.FromEnvironment);
        Assert.IsNotNull(options);
        Assert.AreEqual(expected, options.Backend);
        Assert.AreEqual(1, options.Rank);
    }

    [TestMethod]
    [DataRow("mpi")]
    [DataRow("1")]
    public void AnUnknownBackendInTheEnvironmentIsNamed(string variable)
    {
        var e = Assert.ThrowsException<InvalidOperationException>(() => WithJobEnvironment(variable, DistributedTrainingOptions.FromEnvironment));
        StringAssert.Contains(e.Message, "CNNML_DIST_BACKEND");
        StringAssert.Contains(e.Message, $"'{variable}'");
    }

    [TestMethod]
    public void AutoIsNcclOnlyWithNcclAndAGpu()
    {
        var options = new DistributedTrainingOptions { WorldSize = 2 };
        var expected = ProcessGroup.IsNcclAvailable && cuda.is_available() ? DistributedBackend.Nccl : DistributedBackend.Gloo;
        Assert.AreEqual(expected, options.ResolveBackend());
        options.Backend = DistributedBackend.Gloo;
        Assert.AreEqual(DistributedBackend.Gloo, options.ResolveBackend());
        options.Backend = DistributedBackend.Nccl;
        Assert.AreEqual(DistributedBackend.Nccl, options.ResolveBackend());
        options.Backend = (DistributedBackend)7;
        StringAssert.Contains(Assert.ThrowsException<ArgumentOutOfRangeException>(options.Validate).Message, "Backend");
    }

    /// <summary>The error of a Fit on <paramref name="device"/> as rank 1 of 2 with Backend = Nccl; no job may have been joined.</summary>
    private static string RefusalOfNccl(TrainingDevice device)
    {
        var ml = new MLContext(seed: 1);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 64));
        var options = new LeNetTrainer.Options
        {
            Epochs = 1,
            Device = device,
            Distributed = new DistributedTrainingOptions { Rank = 1, WorldSize = 2, MasterPort = 29556, Backend = DistributedBackend.Nccl, Timeout = TimeSpan.FromSeconds(2) },
        };
        var e = Assert.ThrowsException<ArgumentException>(() => ml.MulticlassClassification.Trainers.LeNet(options).Fit(train));
        Assert.IsFalse(CnnDistributed.IsInitialized, "no job may be joined");
        StringAssert.Contains(e.Message, "Backend is Nccl");
        return e.Message;
    }

    /// <summary>NCCL carries CUDA tensors: a CPU run that asks for it is refused before it joins the job.</summary>
    [TestMethod]
    public void NcclForACpuRunIsRefusedBeforeJoining()
    {
        if (!ProcessGroup.IsNcclAvailable) Assert.Inconclusive($"this native library has no NCCL (libtorch {__version__}): NcclWithoutNcclInTheLibraryIsNamed covers the refusal");
        StringAssert.Contains(RefusalOfNccl(TrainingDevice.Cpu), "training runs on cpu");
    }

    /// <summary>Where this library has no NCCL (Debian's libtorch 1.13, or no nccl.h at build time), asking for it says so.</summary>
    [TestMethod]
    public void NcclWithoutNcclInTheLibraryIsNamed()
    {
        if (ProcessGroup.IsNcclAvailable) Assert.Inconclusive($"this native library has NCCL (libtorch {__version__})");
        StringAssert.Contains(RefusalOfNccl(TrainingDevice.Auto), $"libtorch {__version__} without NCCL");
    }
}
