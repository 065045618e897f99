using CnnMl.Models;
using CnnMl.Models.Tests;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers.Tests;

/// <summary>bfloat16 mixed precision: one step against PyTorch 1.13's autocast, and the trainer's Precision option.</summary>
[TestClass]
public sealed class MixedPrecisionTests
{
    /// <summary>
    /// ResNet-18 (small stem) in training mode, the same weights and batch as tests/python/autocast_reference.py:
    /// the loss and the float32 gradients of the first and last layers under autocast to bfloat16 equal
    /// PyTorch's within bfloat16 tolerance (8 mantissa bits: about 0.4% per rounding), in NCHW and in the
    /// channels-last layout the trainer uses for this network, each against PyTorch in the same layout (the
    /// layouts round differently, and batch statistics of 4 images amplify that in the first layer's gradient).
    /// </summary>
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void ABFloat16StepMatchesPyTorchAutocast(bool channelsLast)
    {
        var directory = PythonReference.NewTempDirectory("autocast");
        try
        {
            PythonReference.Run("autocast_reference.py", 300, directory);
            using var scope = NewDisposeScope();
            var weights = Safetensors.Load(Path.Combine(directory, "weights.safetensors"));
            var step = Safetensors.Load(Path.Combine(directory, "step.safetensors"));
            using var network = ModelZoo.Create("resnet18_small", 10);
            network.load_state_dict(weights);
            network.train();
            var x = step["input"];
            if (channelsLast)
            {
                ChannelsLastLayout.ConvertWeights(network);
                x = ChannelsLastLayout.Batch(x);
            }
            Tensor logits, loss;
            using (autocast(DeviceType.CPU, ScalarType.BFloat16))
            {
                logits = network.call(x);
                loss = nn.functional.cross_entropy(logits, step["target"]);
            }
            Assert.AreEqual(ScalarType.BFloat16, logits.dtype, "the logits come out of a bfloat16 linear layer, as in PyTorch");
            Assert.AreEqual(ScalarType.Float32, loss.dtype, "autocast computes the loss in float32");
            loss.backward();
            var layout = channelsLast ? "channels_last" : "nchw";
            var expectedLoss = step[layout + ".loss"].item<float>();
            Assert.AreEqual(expectedLoss, loss.item<float>(), 2e-3 * Math.Abs(expectedLoss), "loss");
            var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var name in new[] { "conv1.weight", "layer4.1.conv2.weight", "fc.weight", "fc.bias" })
            {
                var grad = parameters[name].grad!.contiguous();
                Assert.AreEqual(ScalarType.Float32, grad.dtype, $"{name}: gradients of float32 weights are float32");
                Agreement.Close(step[$"{layout}.grad.{name}"], grad, $"{name} gradient ({layout})", rtol: 2e-2);
            }
        }
        finally
        {
            PythonReference.DeleteQuietly(directory);
        }
    }

    /// <summary>
    /// LeNet-5 (ReLU) trained through the pipeline in bfloat16 learns as it does in float32 (600 images,
    /// 2 epochs, same seed: within 5 points), and its model keeps float32 weights.
    /// </summary>
    [TestMethod]
    public void TheTrainerTrainsInBFloat16AndKeepsFloat32Weights()
    {
        var ml = new MLContext(seed: 1);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 600));
        var test = TrainerData.Keyed(ml, TrainerData.Rows(train: false, 0, 300));
        double Accuracy(TrainingPrecision precision, out CnnClassificationTransformer model)
        {
            model = ml.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options
            {
                Variant = "lenet5_relu", Epochs = 2, BatchSize = 32, Optimizer = CnnOptimizer.Adam, LearningRate = 2e-3, Seed = 5, Precision = precision,
            }).Fit(train);
            return ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        }
        var single = Accuracy(TrainingPrecision.Float32, out var singleModel);
        var mixed = Accuracy(TrainingPrecision.BFloat16, out var mixedModel);
        using (singleModel)
        using (mixedModel)
        {
            Console.WriteLine($"float32 {single:P1}, bfloat16 {mixed:P1}");
            Assert.IsTrue(mixed > 0.5, $"bfloat16 training reached {mixed:P1}");
            Assert.AreEqual(single, mixed, 0.05, "bfloat16 against float32 accuracy");
            Assert.IsTrue(mixedModel.Model.parameters().All(p => p.dtype == ScalarType.Float32), "the trained weights stay float32");
            Assert.IsFalse(singleModel.Model.state_dict()["classifier.5.weight"].equal(mixedModel.Model.state_dict()["classifier.5.weight"]),
                "bfloat16 training takes another path than float32");
        }
    }

    /// <summary>A run checkpointed in float32 resumes in bfloat16 (checkpoints hold float32 weights either way).</summary>
    [TestMethod]
    public void AFloat32CheckpointResumesInBFloat16()
    {
        var ml = new MLContext(seed: 2);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 128));
        var directory = Path.Combine(Path.GetTempPath(), "cnnml-precision-" + Guid.NewGuid().ToString("N"));
        try
        {
            LeNetTrainer.Options Options(int epochs, TrainingPrecision precision, Action<TrainingMetrics> callback) => new()
            {
                Variant = "lenet5_relu", Epochs = epochs, BatchSize = 32, Optimizer = CnnOptimizer.Adam, LearningRate = 2e-3, Seed = 3,
                Precision = precision, CheckpointDirectory = directory, MetricsCallback = callback,
                LearningRateSchedule = LearningRateSchedule.Constant,
            };
            using (ml.MulticlassClassification.Trainers.LeNet(Options(1, TrainingPrecision.Float32, _ => { })).Fit(train)) { }
            var epochs = new List<int>();
            using var resumed = ml.MulticlassClassification.Trainers.LeNet(Options(2, TrainingPrecision.BFloat16, m => { if (m.IsEpochEnd) epochs.Add(m.Epoch); })).Fit(train);
            CollectionAssert.AreEqual(new[] { 2 }, epochs, "the bfloat16 run continues after the float32 epoch");
            Assert.IsTrue(resumed.Model.parameters().All(p => p.dtype == ScalarType.Float32));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void Float16IsRefusedOnTheCpuWithTheReason()
    {
        var ml = new MLContext(seed: 1);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 32));
        var trainer = ml.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options { Epochs = 1, Device = TrainingDevice.Cpu, Precision = TrainingPrecision.Float16 });
        var error = Assert.ThrowsException<ArgumentException>(() => trainer.Fit(train));
        StringAssert.Contains(error.Message, "Precision Float16 needs a CUDA device");
        StringAssert.Contains(error.Message, "BFloat16");
    }
}
