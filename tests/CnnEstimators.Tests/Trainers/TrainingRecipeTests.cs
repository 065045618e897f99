using System.Reflection;
using CnnMl.Models;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// A checkpoint resumes only under the recipe it was written with: every option the training
/// trajectory depends on is recorded, and each one that differs is named with both values.
/// </summary>
[TestClass]
public sealed class TrainingRecipeTests
{
    private static readonly string[] Classes = ["a", "b", "c"];

    private static CnnTrainer.Options Base() => new() { Architecture = "lenet_20_50", Seed = 1 };

    private static TrainingRecipe Recipe(CnnTrainer.Options options, int channels = 1, int size = 28, string[]? classes = null, bool encoded = false)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, channels, size, size));
        var column = builder.ToSchema()[0];
        var input = new TrainingInput(column, column, channels, size, size, classes ?? Classes, encoded);
        return TrainingRecipe.Of(options, ModelZoo.Describe(options.ArchitectureName), input, options.Seed ?? 0);
    }

    private static Dictionary<string, string> Saved(TrainingRecipe recipe)
    {
        var metadata = new Dictionary<string, string> { ["completed_epochs"] = "1" };
        recipe.WriteTo(metadata);
        return metadata;
    }

    /// <summary>The message of resuming a checkpoint written under <paramref name="saved"/> with <paramref name="now"/>, or null when it resumes.</summary>
    private static string? Refusal(TrainingRecipe saved, TrainingRecipe now)
    {
        try
        {
            now.CheckResumable(Saved(saved), "/ckpt/checkpoint.safetensors");
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    /// <summary>One change per recorded option: the option's name as the error gives it, the change, and the saved and new values.</summary>
    private static readonly (string Option, Action<CnnTrainer.Options> Change, string Saved, string Now)[] Changes =
    [
        ("Architecture", o => o.Architecture = "lenet5", "lenet_20_50", "lenet5"),
        ("Seed", o => o.Seed = 2, "1", "2"),
        ("Optimizer", o => o.Optimizer = CnnOptimizer.AdamW, "Sgd", "AdamW"),
        ("LearningRate", o => o.LearningRate = 0.02, "0.01", "0.02"),
        ("Momentum", o => o.Momentum = 0.5, "0.9", "0.5"),
        ("WeightDecay", o => o.WeightDecay = 0.001, "0.0005", "0.001"),
        ("LearningRateSchedule", o => o.LearningRateSchedule = LearningRateSchedule.Step, "Constant", "Step"),
        ("StepSize", o => o.StepSize = 5, "30", "5"),
        ("StepGamma", o => o.StepGamma = 0.5, "0.1", "0.5"),
        ("WarmupEpochs", o => o.WarmupEpochs = 2, "0", "2"),
        ("LabelSmoothing", o => o.LabelSmoothing = 0.1, "0", "0.1"),
        ("BatchSize", o => o.BatchSize = 32, "64", "32"),
        ("Epochs", o => o.Epochs = 9, "10", "9 (Epochs may grow, never shrink)"),
        ("ValidationSet", o => o.ValidationSet = new MLContext().Data.LoadFromEnumerable(new[] { new ImageRow() }), "none", "given"),
        ("ValidationFraction", o => o.ValidationFraction = 0.2, "0", "0.2"),
        ("EarlyStopping", o => o.EarlyStopping = new EarlyStoppingOptions { Patience = 2 }, "none", "Loss, Patience 2, MinDelta 0"),
        ("KeepBestWeights", o => o.KeepBestWeights = false, "true", "false"),
        ("Augmentation.RandomCropPadding", o => o.Augmentation.RandomCropPadding = 4, "0", "4"),
        ("Augmentation.RandomHorizontalFlip", o => o.Augmentation.RandomHorizontalFlip = true, "false", "true"),
        ("Augmentation.NormalizeMean", o => o.Augmentation.NormalizeMean = [0.5f], "none", "[0.5]"),
        ("Augmentation.NormalizeStd", o => o.Augmentation.NormalizeStd = [0.25f], "none", "[0.25]"),
        ("ChannelsLast", o => o.ChannelsLast = true, "auto", "true"),
        ("PretrainedWeightsPath", o => o.PretrainedWeightsPath = "/weights/lenet.safetensors", "none", "/weights/lenet.safetensors"),
        ("FreezeFeatures", o => o.FreezeFeatures = true, "false", "true"),
    ];

    /// <summary>Options that do not change what is trained, or that the recipe records through another entry.</summary>
    private static readonly string[] NotInTheRecipe =
    [
        nameof(CnnTrainerOptions.LabelColumnName), nameof(CnnTrainerOptions.FeatureColumnName), nameof(CnnTrainerOptions.ScoreColumnName),
        nameof(CnnTrainerOptions.PredictedLabelColumnName), nameof(CnnTrainerOptions.MetricsCallback), nameof(CnnTrainerOptions.MetricsBatchInterval),
        nameof(CnnTrainerOptions.Device), nameof(CnnTrainerOptions.CheckpointDirectory), nameof(CnnTrainerOptions.CheckpointEveryBatches),
        nameof(CnnTrainerOptions.CancellationToken), nameof(CnnTrainerOptions.SkipUnreadableImages),
        // A run may resume in another precision: checkpoints hold float32 weights and optimizer state either way.
        nameof(CnnTrainerOptions.Precision),
        // Recorded as the InputShape they resolve to (with the features column's shape).
        nameof(CnnTrainerOptions.ImageSize), nameof(CnnTrainerOptions.ImageChannels),
        // Recorded option by option (Augmentation.*).
        nameof(CnnTrainerOptions.Augmentation),
        // Recorded as the number of ranks it gives (DistributedTrainingOptions.WorldSize; tests/ConsoleApp.Tests/
        // DistributedTrainingTests): rank, addresses and timeouts leave the trajectory as it is.
        nameof(CnnTrainerOptions.Distributed),
        // CnnTrainer's own option, recorded as the Architecture it names.
        nameof(CnnTrainer.Options.Architecture),
    ];

    [TestMethod]
    public void EveryTrainingOptionIsRecordedOrDeclaredIrrelevant()
    {
        var changed = Changes.Select(c => c.Option).ToHashSet();
        var options = typeof(CnnTrainer.Options).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name)
            .Concat(typeof(AugmentationOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => "Augmentation." + p.Name));
        var unaccounted = options.Where(o => !changed.Contains(o) && !NotInTheRecipe.Contains(o)).ToList();
        Assert.AreEqual(0, unaccounted.Count, $"options neither in the recipe nor declared irrelevant to training: {string.Join(", ", unaccounted)}");
    }

    [TestMethod]
    public void FamilyOptionsOnlyNameTheArchitecture()
    {
        // Recorded through Architecture (the zoo name they select); any other family option must join the recipe.
        string[] naming = ["Variant", "Depth", "BatchNorm", "SmallInputStem", "Architecture"];
        var family = typeof(CnnTrainerOptions).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(CnnTrainerOptions)) && !t.IsAbstract)
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(p => $"{t.DeclaringType?.Name}.{p.Name}"))
            .Where(name => !naming.Contains(name[(name.IndexOf('.') + 1)..])).ToList();
        Assert.AreEqual(0, family.Count, $"family options outside the recipe: {string.Join(", ", family)}");
    }

    [TestMethod]
    public void EachChangedOptionIsNamedWithItsSavedAndNewValues()
    {
        var saved = Recipe(Base());
        Assert.IsNull(Refusal(saved, Recipe(Base())), "an identical recipe resumes");
        foreach (var (option, change, before, after) in Changes)
        {
            var options = Base();
            change(options);
            var message = Refusal(saved, Recipe(options));
            Assert.IsNotNull(message, $"a changed {option} must be refused");
            StringAssert.Contains(message, $"checkpoint '/ckpt/checkpoint.safetensors' was written with {option} {before}, these options have {after}", option);
        }
    }

    [TestMethod]
    public void TheInputShapeAndClassesAreRecordedAndSeveralChangesAreAllNamed()
    {
        var saved = Recipe(Base());
        StringAssert.Contains(Refusal(saved, Recipe(Base(), size: 32)), "InputShape 1x28x28 pixels, these options have 1x32x32 pixels");
        StringAssert.Contains(Refusal(saved, Recipe(Base(), channels: 3)), "InputShape 1x28x28 pixels, these options have 3x28x28 pixels");
        StringAssert.Contains(Refusal(saved, Recipe(Base(), encoded: true)), "InputShape 1x28x28 pixels, these options have 1x28x28 decoded from image bytes");
        StringAssert.Contains(Refusal(saved, Recipe(Base(), classes: ["a", "c", "b"])), "Classes [\"a\",\"b\",\"c\"], these options have [\"a\",\"c\",\"b\"]");

        var options = Base();
        options.WeightDecay = 0.001;
        options.LabelSmoothing = 0.1;
        var message = Refusal(saved, Recipe(options))!;
        StringAssert.Contains(message, "was written with WeightDecay 0.0005, these options have 0.001; LabelSmoothing 0, these options have 0.1; ");
        StringAssert.Contains(message, "delete the checkpoint");
    }

    [TestMethod]
    public void EpochsMayGrowUnlessTheScheduleIsCosine()
    {
        foreach (var schedule in new[] { LearningRateSchedule.Constant, LearningRateSchedule.Step })
        {
            var options = Base();
            options.LearningRateSchedule = schedule;
            var saved = Recipe(options);
            options.Epochs = 15;
            Assert.IsNull(Refusal(saved, Recipe(options)), $"{schedule}: more epochs resume");
            options.Epochs = 5;
            StringAssert.Contains(Refusal(saved, Recipe(options)), "Epochs 10, these options have 5 (Epochs may grow, never shrink)");
        }
        var cosine = Base();
        cosine.LearningRateSchedule = LearningRateSchedule.Cosine;
        var written = Recipe(cosine);
        cosine.Epochs = 15;
        StringAssert.Contains(Refusal(written, Recipe(cosine)), "Epochs 10, these options have 15 (Epochs may not change with the Cosine schedule, whose length is Epochs)");
    }

    [TestMethod]
    public void ACheckpointWithoutARecipeIsRefused()
    {
        var e = Assert.ThrowsException<InvalidOperationException>(() => Recipe(Base()).CheckResumable(new Dictionary<string, string> { ["fingerprint"] = "x" }, "/ckpt/checkpoint.safetensors"));
        StringAssert.Contains(e.Message, "records no training recipe");
    }

    private static LeNetTrainer.Options SmallLeNet(int epochs, string? checkpoints) => new()
    {
        Variant = "lenet_20_50", Epochs = epochs, BatchSize = 32, Optimizer = CnnOptimizer.Adam, LearningRate = 2e-3, WeightDecay = 0, Seed = 11,
        CheckpointDirectory = checkpoints,
    };

    private static float[] Weights(CnnClassificationTransformer model) => model.Model.parameters().SelectMany(p => p.detach().flatten().ToArray<float>()).ToArray();

    [TestMethod]
    public void FitRefusesAChangedRecipeAndResumesWithMoreEpochsAsALongerRun()
    {
        var ml = new MLContext(seed: 9);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 128));
        var directory = Path.Combine(Path.GetTempPath(), "cnnml-recipe-" + Guid.NewGuid().ToString("N"));
        try
        {
            float[] uninterrupted;
            using (var model = ml.MulticlassClassification.Trainers.LeNet(SmallLeNet(3, null)).Fit(train))
                uninterrupted = Weights(model);
            using (ml.MulticlassClassification.Trainers.LeNet(SmallLeNet(2, directory)).Fit(train))
            {
            }
            var checkpoint = Path.Combine(directory, "checkpoint.safetensors");
            var written = File.ReadAllBytes(checkpoint);

            var changed = SmallLeNet(3, directory);
            changed.WeightDecay = 1e-3;
            changed.Augmentation.RandomHorizontalFlip = true;
            var e = Assert.ThrowsException<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.LeNet(changed).Fit(train));
            StringAssert.Contains(e.Message, $"checkpoint '{checkpoint}' was written with WeightDecay 0, these options have 0.001; Augmentation.RandomHorizontalFlip false, these options have true");
            CollectionAssert.AreEqual(written, File.ReadAllBytes(checkpoint), "a refused resume leaves the checkpoint as it was");

            var epochs = new List<int>();
            var longer = SmallLeNet(3, directory);
            longer.MetricsCallback = m => { if (m.IsEpochEnd) epochs.Add(m.Epoch); };
            using (var model = ml.MulticlassClassification.Trainers.LeNet(longer).Fit(train))
            {
                CollectionAssert.AreEqual(new[] { 3 }, epochs, "the run with Epochs grown from 2 to 3 trains the third epoch only");
                CollectionAssert.AreEqual(uninterrupted, Weights(model), "2 epochs, then 1 more from the checkpoint, must end as 3 uninterrupted epochs, bit for bit");
            }
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
