using System.Diagnostics;
using CnnMl.Torch;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// A training process (tests/CheckpointTrainer) killed with SIGKILL mid-epoch resumes from its last
/// checkpoint when restarted and ends with the weights of an uninterrupted run, bit for bit; the
/// checkpoint under its final name is always complete.
/// </summary>
[TestClass]
public sealed class CheckpointKillTests
{
    private static string TrainerPath()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = bin.Parent!.Name;
        var path = Path.GetFullPath(Path.Combine(bin.FullName, "..", "..", "..", "..", "CheckpointTrainer", "bin", configuration, bin.Name, "CnnMl.CheckpointTrainer.dll"));
        Assert.IsTrue(File.Exists(path), $"{path} is not built");
        return path;
    }

    private static Process Start(string checkpoints, string weights, int everyBatches, int pauseMs)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { TrainerPath(), checkpoints, weights, everyBatches.ToString(System.Globalization.CultureInfo.InvariantCulture), pauseMs.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the trainer");
    }

    private static List<string> RunToEnd(string checkpoints, string weights)
    {
        using var process = Start(checkpoints, weights, 3, 0);
        var error = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (process.StandardOutput.ReadLine() is { } line) lines.Add(line);
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the trainer did not finish within 120 s");
        }
        Assert.AreEqual(0, process.ExitCode, error.Result);
        return lines;
    }

    private static float[] Weights(string path)
    {
        var tensors = Safetensors.Load(path);
        try
        {
            return tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).SelectMany(kv => kv.Value.flatten().ToArray<float>()).ToArray();
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Where a checkpoint's run stood: completed epochs and batches of the next epoch already trained.</summary>
    private static (int CompletedEpochs, long EpochBatches) Checkpointed(string path)
    {
        var tensors = Safetensors.Load(path, null, out var metadata);
        foreach (var t in tensors.Values) t.Dispose();
        return (int.Parse(metadata["completed_epochs"], System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(metadata["epoch_batches"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestMethod]
    [Timeout(300_000)]
    public void KilledMidEpochResumesToTheUninterruptedWeights()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cnnml-kill-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var checkpoints = Path.Combine(folder, "checkpoints");
            var checkpoint = Path.Combine(checkpoints, "checkpoint.safetensors");
            RunToEnd("-", Path.Combine(folder, "uninterrupted.safetensors"));

            // 320 rows in batches of 16: 20 batches an epoch, a checkpoint every 3. Killed in epoch 2
            // once batch 8 is reported (the last checkpoint then covers batch 6 at least), while it pauses
            // 50 ms a batch; the kill may land later, even during a checkpoint write.
            using (var process = Start(checkpoints, Path.Combine(folder, "killed.safetensors"), 3, 50))
            {
                string? line;
                while ((line = process.StandardOutput.ReadLine()) is not null && line != "epoch 2 batch 8")
                {
                }
                Assert.AreEqual("epoch 2 batch 8", line, "the trainer ended before the kill point");
                process.Kill(); // SIGKILL on Linux: no finalizers, no cleanup
                Assert.IsTrue(process.WaitForExit(30_000));
                Assert.AreNotEqual(0, process.ExitCode);
            }
            Assert.IsFalse(File.Exists(Path.Combine(folder, "killed.safetensors")));
            // Whatever moment the kill hit, the file under the final name is complete and valid, and it
            // says where the restarted run must continue.
            var (completedEpochs, epochBatches) = Checkpointed(checkpoint);
            Assert.IsTrue((completedEpochs, epochBatches).CompareTo((1, 6L)) >= 0, $"the checkpoint ({completedEpochs} epochs and {epochBatches} batches) is older than the one of batch 6 of epoch 2, written before batch 8 was reported");
            var expectedFirst = completedEpochs == 3 ? "done" : $"epoch {completedEpochs + 1} batch {epochBatches + 1}";

            var resumed = RunToEnd(checkpoints, Path.Combine(folder, "resumed.safetensors"));
            Assert.AreEqual(expectedFirst, resumed[0], $"the restarted run must continue after the last checkpointed batch ({epochBatches} of epoch {completedEpochs + 1})");
            Assert.AreEqual("done", resumed[^1]);
            CollectionAssert.AreEqual(Weights(Path.Combine(folder, "uninterrupted.safetensors")), Weights(Path.Combine(folder, "resumed.safetensors")),
                "the resumed run must end with the uninterrupted run's weights bit for bit");
            Assert.AreEqual(0, Directory.GetFiles(checkpoints, "*.tmp-*").Length, "no temporary checkpoint may be left behind");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
