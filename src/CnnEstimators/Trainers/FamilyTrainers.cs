using CnnMl.MlNetInternals;

namespace CnnMl.Trainers;

/// <summary>Trains LeNet variants (LeCun et al. 1998): <c>lenet5</c> (28x28), <c>lenet5_32</c>, <c>lenet_20_50</c>, <c>lenet5_c5</c>.</summary>
public sealed class LeNetTrainer : CnnTrainerBase<LeNetTrainer.Options>
{
    internal LeNetTrainer(MlContextSettings context, Options options) : base(context, options) { }

    /// <summary>LeNet options; <see cref="Variant"/> is a zoo name of the LeNet family.</summary>
    public sealed class Options : CnnTrainerOptions
    {
        public string Variant { get; set; } = "lenet5";
        internal override string ArchitectureName => Variant;
    }
}

/// <summary>Trains AlexNet (Krizhevsky et al. 2012), torchvision layout.</summary>
public sealed class AlexNetTrainer : CnnTrainerBase<AlexNetTrainer.Options>
{
    internal AlexNetTrainer(MlContextSettings context, Options options) : base(context, options) { }

    public sealed class Options : CnnTrainerOptions
    {
        internal override string ArchitectureName => "alexnet";
    }
}

/// <summary>Trains VGG (Simonyan and Zisserman 2015) of depth 11, 13, 16 or 19, with or without batch norm.</summary>
public sealed class VggTrainer : CnnTrainerBase<VggTrainer.Options>
{
    internal VggTrainer(MlContextSettings context, Options options) : base(context, options) { }

    public sealed class Options : CnnTrainerOptions
    {
        public int Depth { get; set; } = 16;
        public bool BatchNorm { get; set; } = true;
        internal override string ArchitectureName => $"vgg{Depth}{(BatchNorm ? "_bn" : "")}";

        public override void Validate()
        {
            if (Depth is not (11 or 13 or 16 or 19)) throw new ArgumentOutOfRangeException(nameof(Depth), Depth, "VGG Depth must be 11, 13, 16 or 19");
            base.Validate();
        }
    }
}

/// <summary>Trains Network in Network (Lin et al. 2014).</summary>
public sealed class NiNTrainer : CnnTrainerBase<NiNTrainer.Options>
{
    internal NiNTrainer(MlContextSettings context, Options options) : base(context, options) { }

    public sealed class Options : CnnTrainerOptions
    {
        internal override string ArchitectureName => "nin";
    }
}

/// <summary>Trains GoogLeNet (Szegedy et al. 2015), torchvision layout, without auxiliary heads.</summary>
public sealed class GoogLeNetTrainer : CnnTrainerBase<GoogLeNetTrainer.Options>
{
    internal GoogLeNetTrainer(MlContextSettings context, Options options) : base(context, options) { }

    public sealed class Options : CnnTrainerOptions
    {
        internal override string ArchitectureName => "googlenet";
    }
}

/// <summary>Trains Inception v3 (Szegedy et al. 2016), torchvision layout, without auxiliary logits.</summary>
public sealed class InceptionV3Trainer : CnnTrainerBase<InceptionV3Trainer.Options>
{
    internal InceptionV3Trainer(MlContextSettings context, Options options) : base(context, options) { }

    public sealed class Options : CnnTrainerOptions
    {
        internal override string ArchitectureName => "inception_v3";
    }
}

/// <summary>Trains ResNet (He et al. 2016) of depth 18, 34, 50, 101 or 152; the small-input stem suits 28x28 and 32x32 images.</summary>
public sealed class ResNetTrainer : CnnTrainerBase<ResNetTrainer.Options>
{
    internal ResNetTrainer(MlContextSettings context, Options options) : base(context, options) { }

    public sealed class Options : CnnTrainerOptions
    {
        public int Depth { get; set; } = 18;

        /// <summary>A 3x3 stride-1 first convolution without max-pooling, for small images (Depth 18 or 50: resnet18_small, resnet50_small).</summary>
        public bool SmallInputStem { get; set; }

        internal override string ArchitectureName => SmallInputStem ? $"resnet{Depth}_small" : $"resnet{Depth}";

        public override void Validate()
        {
            if (Depth is not (18 or 34 or 50 or 101 or 152)) throw new ArgumentOutOfRangeException(nameof(Depth), Depth, "ResNet Depth must be 18, 34, 50, 101 or 152");
            if (SmallInputStem && Depth is not (18 or 50)) throw new ArgumentOutOfRangeException(nameof(SmallInputStem), $"the small-input stem is registered for Depth 18 and 50, not {Depth}");
            base.Validate();
        }
    }
}

/// <summary>Trains DenseNet (Huang et al. 2017) of depth 121, 169, 201 or 264.</summary>
public sealed class DenseNetTrainer : CnnTrainerBase<DenseNetTrainer.Options>
{
    internal DenseNetTrainer(MlContextSettings context, Options options) : base(context, options) { }

    public sealed class Options : CnnTrainerOptions
    {
        public int Depth { get; set; } = 121;
        internal override string ArchitectureName => $"densenet{Depth}";

        public override void Validate()
        {
            if (Depth is not (121 or 169 or 201 or 264)) throw new ArgumentOutOfRangeException(nameof(Depth), Depth, "DenseNet Depth must be 121, 169, 201 or 264");
            base.Validate();
        }
    }
}

/// <summary>Trains EfficientNet B0–B7 (Tan and Le 2019).</summary>
public sealed class EfficientNetTrainer : CnnTrainerBase<EfficientNetTrainer.Options>
{
    internal EfficientNetTrainer(MlContextSettings context, Options options) : base(context, options) { }

    public sealed class Options : CnnTrainerOptions
    {
        /// <summary>0 for B0 up to 7 for B7.</summary>
        public int Variant { get; set; }
        internal override string ArchitectureName => $"efficientnet_b{Variant}";

        public override void Validate()
        {
            if (Variant is < 0 or > 7) throw new ArgumentOutOfRangeException(nameof(Variant), Variant, "EfficientNet Variant must be 0 (B0) to 7 (B7)");
            base.Validate();
        }
    }
}

/// <summary>Trains any network of the model zoo by name.</summary>
public sealed class CnnTrainer : CnnTrainerBase<CnnTrainer.Options>
{
    internal CnnTrainer(MlContextSettings context, Options options) : base(context, options) { }

    public sealed class Options : CnnTrainerOptions
    {
        /// <summary>A zoo name such as "resnet18_small" (see ModelZoo.Names).</summary>
        public string Architecture { get; set; } = "lenet5";
        internal override string ArchitectureName => Architecture;
    }
}
