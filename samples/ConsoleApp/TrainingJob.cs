using System.Diagnostics;
using CnnMl.Datasets.Idx;
using CnnMl.Models;
using CnnMl.Torch;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.ConsoleApp;

/// <summary>Settings of the Fashion-MNIST training job.</summary>
internal sealed record TrainingSettings(int Epochs, int BatchSize, double LearningRate, int Seed, int? Limit, int? Threads, string? DataDirectory);

/// <summary>
/// Trains the small CNN (two conv-BN-ReLU-pool stages and a linear layer) on Fashion-MNIST with
/// Adam, using the CnnMl.Torch binding directly, then reports test accuracy and the confusion matrix.
/// </summary>
internal static class TrainingJob
{
    public static int Run(TrainingSettings settings, TextWriter output)
    {
        if (settings.Threads is { } threads) set_num_threads(threads);
        random.manual_seed(settings.Seed);

        var clock = Stopwatch.StartNew();
        var train = CnnMl.Datasets.FashionMnist.ReadImageSet(train: true, settings.DataDirectory);
        var test = CnnMl.Datasets.FashionMnist.ReadImageSet(train: false, settings.DataDirectory);
        output.WriteLine($"Fashion-MNIST: {train.Count:N0} training and {test.Count:N0} test images of {train.Height}x{train.Width} ({clock.Elapsed.TotalSeconds:F1} s to read)");
        output.WriteLine($"libtorch {__version__}, {get_num_threads()} threads, seed {settings.Seed}");

        using var images = ImagesTensor(train, settings.Limit);
        using var labels = LabelsTensor(train, settings.Limit);
        using var model = new SmallCnn(numClasses: train.ClassNames.Count, inChannels: 1, inputSize: train.Height);
        using var optimizer = optim.Adam(model.parameters(), lr: settings.LearningRate);
        output.WriteLine($"model: SmallCnn, {model.parameters().Sum(p => p.numel()):N0} parameters; Adam lr {settings.LearningRate}, batch {settings.BatchSize}");

        var count = images.size(0);
        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            model.train();
            var epochClock = Stopwatch.StartNew();
            using var order = randperm(count);
            double lossSum = 0;
            long correct = 0, seen = 0;
            var batches = (count + settings.BatchSize - 1) / settings.BatchSize;
            for (long b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                var start = b * settings.BatchSize;
                var index = order.narrow(0, start, Math.Min(settings.BatchSize, count - start));
                var x = images.index_select(0, index).to(ScalarType.Float32).div_(255);
                var y = labels.index_select(0, index);
                var logits = model.call(x);
                var loss = F.cross_entropy(logits, y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();

                var n = y.size(0);
                lossSum += loss.item<float>() * n;
                correct += logits.argmax(1).eq(y).sum().item<long>();
                seen += n;
                if ((b + 1) % 100 == 0 || b + 1 == batches)
                    output.WriteLine($"  epoch {epoch} batch {b + 1,4}/{batches}  loss {lossSum / seen:F4}  accuracy {100.0 * correct / seen:F2}%  {seen / epochClock.Elapsed.TotalSeconds:F0} images/s");
            }
        }

        var (accuracy, confusion) = Evaluate(model, test);
        output.WriteLine();
        output.WriteLine($"test accuracy: {accuracy:P2} on {test.Count:N0} images (total time {clock.Elapsed.TotalSeconds:F1} s)");
        output.WriteLine();
        output.Write(FormatConfusion(confusion, test.ClassNames));
        return 0;
    }

    private static Tensor ImagesTensor(IdxImageSet set, int? limit)
    {
        var n = Math.Min(limit ?? set.Count, set.Count);
        return tensor<byte>(set.Pixels.AsSpan(0, n * set.Height * set.Width), new long[] { n, 1, set.Height, set.Width });
    }

    private static Tensor LabelsTensor(IdxImageSet set, int? limit)
    {
        var n = Math.Min(limit ?? set.Count, set.Count);
        using var bytes = tensor<byte>(set.Labels.AsSpan(0, n), new long[] { n });
        return bytes.to(ScalarType.Int64);
    }

    private static (double Accuracy, long[,] Confusion) Evaluate(nn.Module<Tensor, Tensor> model, IdxImageSet test)
    {
        model.eval();
        var classes = test.ClassNames.Count;
        var confusion = new long[classes, classes];
        using var images = ImagesTensor(test, null);
        using var inference = inference_mode();
        const int batch = 1000;
        long correct = 0;
        for (long start = 0; start < test.Count; start += batch)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(batch, test.Count - start);
            var x = images.narrow(0, start, n).to(ScalarType.Float32).div_(255);
            var predicted = model.call(x).argmax(1).ToArray<long>();
            for (int i = 0; i < n; i++)
            {
                int truth = test.Labels[start + i];
                confusion[truth, predicted[i]]++;
                if (truth == predicted[i]) correct++;
            }
        }
        return ((double)correct / test.Count, confusion);
    }

    private static string FormatConfusion(long[,] confusion, IReadOnlyList<string> names)
    {
        var writer = new StringWriter();
        var width = Math.Max(8, names.Max(n => n.Length) + 1);
        writer.WriteLine("confusion matrix (rows: truth, columns: predicted)");
        writer.Write("".PadRight(width));
        for (int j = 0; j < names.Count; j++) writer.Write(Abbreviate(names[j]).PadLeft(7));
        writer.WriteLine("   recall");
        for (int i = 0; i < names.Count; i++)
        {
            long rowTotal = 0;
            writer.Write(names[i].PadRight(width));
            for (int j = 0; j < names.Count; j++)
            {
                writer.Write(confusion[i, j].ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(7));
                rowTotal += confusion[i, j];
            }
            writer.WriteLine($"   {(rowTotal == 0 ? 0 : (double)confusion[i, i] / rowTotal),6:P1}");
        }
        return writer.ToString();
    }

    private static string Abbreviate(string name) => name.Length <= 6 ? name : name[..6];
}
