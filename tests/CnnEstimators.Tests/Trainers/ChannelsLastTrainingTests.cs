using Microsoft.ML.Data;
using CnnMl.Models;
using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers.Tests;

/// <summary>Channels-last training (CnnTrainerOptions.ChannelsLast) trains the same network as NCHW and hands it out in NCHW.</summary>
[TestClass]
public sealed class ChannelsLastTrainingTests
{
    private static (float[] Scores, CnnClassificationTransformer Model) Train(bool? channelsLast)
    {
        var ml = new MLContext(seed: 1);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 64));
        var test = TrainerData.Keyed(ml, TrainerData.Rows(train: false, 0, 20));
        var options = new CnnTrainer.Options { Architecture = "resnet20_cifar", Epochs = 1, BatchSize = 32, Seed = 3, ChannelsLast = channelsLast };
        var model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(train);
        model.InferenceOptions = InferenceOptions.None;
        return (TrainerData.Scores(model.Transform(test)), model);
    }

    [TestMethod]
    public void ChannelsLastTrainsTheSameNetworkAsNchw()
    {
        var (nchw, nchwModel) = Train(false);
        using var _ = nchwModel;
        var (nhwc, nhwcModel) = Train(true);
        using var __ = nhwcModel;
        Assert.IsTrue(nhwcModel.Model.modules().OfType<Conv2d>().All(c => c.weight.is_contiguous()), "handed out in NCHW");
        Assert.AreEqual(nchw.Length, nhwc.Length);
        // Two SGD steps from the same start: only float32 summation order differs.
        for (int i = 0; i < nchw.Length; i++)
            Assert.AreEqual(nchw[i], nhwc[i], 1e-3, $"score {i}");
    }

    [TestMethod]
    public void TheDefaultPicksChannelsLastForWideNetworksOnly()
    {
        using var resnet = ModelZoo.Create("resnet20_cifar", 10);
        using var lenet = ModelZoo.Create("lenet5", 10);
        Assert.IsTrue(ChannelsLastLayout.Pays(resnet), "64-channel convolutions");
        Assert.IsFalse(ChannelsLastLayout.Pays(lenet), "6 and 16 channels");
        Assert.IsTrue(ChannelsLastLayout.PaysInBFloat16(resnet), "no depthwise convolution");
        using var efficientnet = ModelZoo.Create("efficientnet_b0", 10);
        Assert.IsTrue(ChannelsLastLayout.Pays(efficientnet));
        Assert.IsFalse(ChannelsLastLayout.PaysInBFloat16(efficientnet), "depthwise convolutions run slower channels-last in bfloat16");
        ChannelsLastLayout.ConvertWeights(resnet);
        Assert.IsTrue(resnet.modules().OfType<Conv2d>().All(c => c.weight.is_contiguous(channels_last)));
        using var batch = randn(2, 3, 8, 8);
        using var nhwc = ChannelsLastLayout.Batch(batch);
        Assert.IsTrue(nhwc.is_contiguous(channels_last));
        Assert.IsTrue(nhwc.equal(batch), "same values");
    }
}
