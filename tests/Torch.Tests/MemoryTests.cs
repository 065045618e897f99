using System.Globalization;
using static CnnMl.Torch.torch;

namespace CnnMl.Torch.Tests;

/// <summary>Training does not leak: native tensors are freed by dispose scopes, not by the finalizer.</summary>
[TestClass]
public sealed class MemoryTests
{
    private static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
            return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException("/proc/self/status has no VmRSS line");
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [TestMethod]
    public void TwoThousandTrainingStepsGrowTheResidentSetByLessThan20MB()
    {
        random.manual_seed(17);
        using var model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding: 1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding: 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.1), nn.Linear(8, 3));
        using var optimizer = optim.Adam(model.parameters(), 1e-2);
        using var x = randn(8, 1, 8, 8);
        using var y = tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1 });

        float Step()
        {
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(model.call(x), y, label_smoothing: 0.1);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            using (no_grad())
            {
                var grads = model.parameters().Select(p => p.grad!).ToList();
                _ = grads[0].abs().max();
            }
            return loss.item<float>();
        }

        for (int i = 0; i < 300; i++) Step();
        Settle();
        var before = ResidentBytes();
        float first = Step(), last = 0;
        for (int i = 1; i < 2000; i++) last = Step();
        Settle();
        var growth = ResidentBytes() - before;
        Assert.IsTrue(growth < 20L * 1024 * 1024, $"the resident set grew by {growth / (1024.0 * 1024):F1} MB over 2,000 steps");
        Assert.IsTrue(last < first, $"the loss should still fall: {first} -> {last}");
    }
}
