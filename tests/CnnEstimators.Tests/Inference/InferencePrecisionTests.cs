using CnnMl.Torch;
using CnnMl.Trainers;
using CnnMl.Trainers.Tests;
using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

/// <summary>Scoring in bfloat16 (InferenceOptions.Precision): PyTorch's autocast semantics, and how the transformer chooses its engine for it.</summary>
[TestClass]
public sealed class InferencePrecisionTests
{
    /// <summary>
    /// ResNet-18 (small stem) in evaluation mode on the weights and batch of tests/python/autocast_reference.py.
    /// Unoptimized (no folding, NCHW, libtorch's convolutions), bfloat16 scoring gives PyTorch's
    /// <c>torch.autocast("cpu", dtype=torch.bfloat16)</c> logits: far closer to them than float32 is, and as
    /// far from float32 as PyTorch's are, so it really computed in bfloat16. With every optimization on
    /// (batch norms folded, channels-last) the rounding happens at other places, so it stays within the
    /// same bfloat16 distance of PyTorch's. The logits come back as float32 either way.
    /// </summary>
    [TestMethod]
    public void BFloat16ScoringMatchesPyTorchAutocast()
    {
        var directory = PythonReference.NewTempDirectory("autocast-eval");
        try
        {
            PythonReference.Run("autocast_reference.py", 300, directory);
            using var scope = NewDisposeScope();
            var weights = Safetensors.Load(Path.Combine(directory, "weights.safetensors"));
            var step = Safetensors.Load(Path.Combine(directory, "step.safetensors"));
            var x = step["input"];
            var torchFp32 = step["eval.fp32_logits"];
            var torchBf16 = step["eval.bf16_logits"];
            double bf16Distance = MeanAbsolute(torchBf16, torchFp32);
            Assert.IsTrue(bf16Distance > 1e-4, $"PyTorch's bfloat16 logits differ from float32 by {bf16Distance:E2}: too little to tell the precisions apart");

            Tensor Logits(InferenceOptions options)
            {
                var network = ModelZoo.Create("resnet18_small", 10);
                network.load_state_dict(weights);
                network.eval();
                using var fast = InferenceNetwork.Optimize(network, options, ownsNetwork: true);
                var logits = fast.Predict(x);
                Assert.AreEqual(ScalarType.Float32, logits.dtype, "Predict returns float32 logits");
                return logits;
            }

            var plain = Logits(new InferenceOptions { FoldBatchNorm = false, ChannelsLast = false, OneDnnKernels = false, Precision = InferencePrecision.BFloat16 });
            double toTorch = MeanAbsolute(plain, torchBf16), toFp32 = MeanAbsolute(plain, torchFp32);
            Assert.IsTrue(toTorch <= 0.1 * bf16Distance, $"unoptimized bfloat16 vs PyTorch autocast: {toTorch:E2}, PyTorch bfloat16 vs float32: {bf16Distance:E2}");
            Assert.IsTrue(toFp32 >= 0.5 * bf16Distance, $"unoptimized bfloat16 vs float32: {toFp32:E2}: not computed in bfloat16");

            var optimized = Logits(new InferenceOptions { Precision = InferencePrecision.BFloat16 });
            double optimizedToTorch = MeanAbsolute(optimized, torchBf16);
            Assert.IsTrue(optimizedToTorch <= 3 * bf16Distance, $"optimized bfloat16 vs PyTorch autocast: {optimizedToTorch:E2}, bfloat16 vs float32: {bf16Distance:E2}");
            Assert.IsTrue(MeanAbsolute(optimized, torchFp32) >= 0.25 * bf16Distance, "optimized bfloat16 scoring computed in float32");

            var fp32 = Logits(new InferenceOptions());
            Assert.IsTrue(MeanAbsolute(fp32, torchFp32) <= 0.05 * bf16Distance, "float32 scoring stays float32");
        }
        finally
        {
            PythonReference.DeleteQuietly(directory);
        }
    }

    [TestMethod]
    public void Float16ScoringIsRefusedOnTheCpuAndLowerPrecisionSkipsTheFloat32Kernels()
    {
        using var network = ModelZoo.Create("resnet20_cifar", 10);
        network.eval();
        var error = Assert.ThrowsException<ArgumentException>(() => InferenceNetwork.Optimize(network, new InferenceOptions { Precision = InferencePrecision.Float16 }));
        StringAssert.Contains(error.Message, "Float16 needs a CUDA device");
        StringAssert.Contains(error.Message, "BFloat16");

        using var fast = InferenceNetwork.Optimize(network, new InferenceOptions { Precision = InferencePrecision.BFloat16 });
        Assert.AreEqual(InferencePrecision.BFloat16, fast.Options.Precision);
        Assert.IsFalse(fast.Options.OneDnnKernels, "the oneDNN float32 kernels do not run under bfloat16 autocast");
        Assert.IsTrue(network.modules().OfType<CnnMl.Torch.Modules.Conv2d>().All(c => c.OneDnnInference is null));
    }

    /// <summary>
    /// A transformer asked to score in bfloat16 scores with libtorch under autocast (Auto says why), close to its
    /// float32 scores; asking ONNX Runtime for it is an error naming both options.
    /// </summary>
    [TestMethod]
    public void TheTransformerScoresInBFloat16WithLibtorch()
    {
        var ml = new MLContext(seed: 1);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 96));
        var test = TrainerData.Keyed(ml, TrainerData.Rows(train: false, 0, 70));
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options { Architecture = "resnet20_cifar", Epochs = 1, BatchSize = 32, Seed = 3 }).Fit(train);
        model.ScoringEngine = CnnScoringEngine.Libtorch;
        var fp32 = TrainerData.Scores(model.Transform(test));

        model.ScoringEngine = CnnScoringEngine.Auto;
        model.InferenceOptions = new InferenceOptions { Precision = InferencePrecision.BFloat16 };
        var bf16 = TrainerData.Scores(model.Transform(test));
        Assert.AreEqual("libtorch (InferenceOptions.Precision = BFloat16; the ONNX Runtime engine scores in float32)", model.ScoringEngineInUse);
        var worst = fp32.Zip(bf16, (a, b) => Math.Abs(a - b)).Max();
        Assert.IsTrue(worst is > 0f and < 0.05f, $"bfloat16 vs float32 probabilities: largest difference {worst:E2}");

        var featurizer = ml.Transforms.FeaturizeImageWithCnn(model).Fit(test);
        var embeddings = TrainerData.Column(featurizer.Transform(test), featurizer.OutputColumnName);
        Assert.AreEqual(70 * model.EmbeddingSize, embeddings.Length, "bfloat16 embeddings come out as float32 vectors");
        Assert.IsTrue(embeddings.All(float.IsFinite));

        model.ScoringEngine = CnnScoringEngine.OnnxRuntime;
        var error = Assert.ThrowsException<InvalidOperationException>(() => TrainerData.Scores(model.Transform(test)));
        StringAssert.Contains(error.Message, "ScoringEngine OnnxRuntime scores in float32");
        StringAssert.Contains(error.Message, "InferenceOptions.Precision is BFloat16");
    }

    private static double MeanAbsolute(Tensor a, Tensor b)
    {
        using var difference = (a - b).abs();
        using var mean = difference.mean();
        return mean.item<float>();
    }
}
