using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Tests;

/// <summary>Autograd against central finite differences, in float64.</summary>
[TestClass]
public sealed class GradientCheckTests
{
    private const double Step = 1e-6;

    /// <summary>
    /// Compares the analytic gradient of sum(f(inputs) * g) (g a fixed random tensor) with the central
    /// difference (L(x + h) - L(x - h)) / 2h for every element of every input.
    /// </summary>
    private static void CheckGradients(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        using var scope = NewDisposeScope();
        foreach (var input in inputs)
        {
            Assert.AreEqual(ScalarType.Float64, input.dtype);
            input.requires_grad = true;
            input.grad = null;
        }
        random.manual_seed(11);
        var output = f(inputs);
        var g = randn(output.shape, ScalarType.Float64);
        (output * g).sum().backward();

        double Loss()
        {
            using var inner = NewDisposeScope();
            using var noGrad = no_grad();
            return (f(inputs) * g).sum().item<double>();
        }

        for (int k = 0; k < inputs.Length; k++)
        {
            var analytic = inputs[k].grad!.ToArray<double>();
            var numeric = new double[analytic.Length];
            for (int i = 0; i < numeric.Length; i++)
            {
                var original = inputs[k].data<double>()[i];
                inputs[k].data<double>()[i] = original + Step;
                var plus = Loss();
                inputs[k].data<double>()[i] = original - Step;
                var minus = Loss();
                inputs[k].data<double>()[i] = original;
                numeric[i] = (plus - minus) / (2 * Step);
            }
            Assert.IsTrue(numeric.Any(v => Math.Abs(v) > 1e-3), $"input {k}: the finite differences are all zero; the check would be vacuous");
            TensorAssert.Close(numeric, analytic, $"gradient of input {k}", rtol: 1e-5, atol: 1e-7);
        }
    }

    private static Tensor Randn(params long[] shape) => randn(shape, ScalarType.Float64).DetachFromDisposeScope();

    [TestMethod]
    public void Conv2dWithStridePaddingDilationAndGroups()
    {
        random.manual_seed(1);
        using var x = Randn(2, 4, 6, 5);
        using var w = Randn(6, 2, 3, 2);
        using var b = Randn(6);
        CheckGradients(t => F.conv2d(t[0], t[1], t[2], stride: new long[] { 2, 1 }, padding: new long[] { 1, 2 }, dilation: new long[] { 1, 2 }, groups: 2), x, w, b);
    }

    [TestMethod]
    public void BatchNormTraining()
    {
        random.manual_seed(2);
        using var x = Randn(4, 3, 3, 3);
        using var w = Randn(3);
        using var b = Randn(3);
        CheckGradients(t => F.batch_norm(t[0], null, null, t[1], t[2], training: true, eps: 1e-5), x, w, b);
    }

    [TestMethod]
    public void BatchNormEvaluation()
    {
        random.manual_seed(3);
        using var x = Randn(2, 3, 4, 4);
        using var w = Randn(3);
        using var b = Randn(3);
        using var mean = Randn(3);
        using var variance = rand(new long[] { 3 }, ScalarType.Float64).add_(0.5).DetachFromDisposeScope();
        CheckGradients(t => F.batch_norm(t[0], mean, variance, t[1], t[2], training: false), x, w, b);
    }

    [TestMethod]
    public void MaxPoolWithPaddingAndCeilMode()
    {
        random.manual_seed(4);
        using var x = Randn(2, 2, 7, 6);
        CheckGradients(t => F.max_pool2d(t[0], new long[] { 3 }, new long[] { 2 }, new long[] { 1 }, ceil_mode: true), x);
    }

    [TestMethod]
    public void AvgPoolIncludingAndExcludingPadding()
    {
        random.manual_seed(5);
        using var x = Randn(1, 3, 7, 6);
        CheckGradients(t => F.avg_pool2d(t[0], new long[] { 3, 2 }, new long[] { 2 }, new long[] { 1 }, ceil_mode: true, count_include_pad: false), x);
        CheckGradients(t => F.avg_pool2d(t[0], new long[] { 3 }, new long[] { 2 }, new long[] { 1 }), x);
    }

    [TestMethod]
    public void AdaptiveAvgPool()
    {
        random.manual_seed(6);
        using var x = Randn(1, 2, 7, 5);
        CheckGradients(t => F.adaptive_avg_pool2d(t[0], new long[] { 3, 2 }), x);
    }

    [TestMethod]
    public void Linear()
    {
        random.manual_seed(7);
        using var x = Randn(5, 7);
        using var w = Randn(3, 7);
        using var b = Randn(3);
        CheckGradients(t => F.linear(t[0], t[1], t[2]), x, w, b);
    }

    [TestMethod]
    public void CrossEntropyWithLabelSmoothing()
    {
        random.manual_seed(8);
        using var x = Randn(6, 4);
        using var target = tensor(new long[] { 0, 3, 1, 1, 2, 0 });
        CheckGradients(t => F.cross_entropy(t[0], target, label_smoothing: 0.15), x);
    }

    [TestMethod]
    public void LocalResponseNorm()
    {
        random.manual_seed(9);
        using var x = Randn(1, 5, 3, 3);
        CheckGradients(t => F.local_response_norm(t[0], 3, alpha: 0.1, beta: 0.75, k: 1.0), x);
    }
}

/// <summary>A case small enough to check by hand: the 3x3 Laplacian edge detector.</summary>
[TestClass]
public sealed class LaplacianKernelTests
{
    private static Tensor Laplacian() => tensor(new float[]
    {
        -1, -1, -1,
        -1,  8, -1,
        -1, -1, -1,
    }, new long[] { 1, 1, 3, 3 });

    [TestMethod]
    public void SinglePointGivesTheKernelItself()
    {
        using var scope = NewDisposeScope();
        var image = zeros(1, 1, 5, 5);
        image[0][0][2][2].fill_(1);
        var edges = nn.functional.conv2d(image, Laplacian(), padding: new long[] { 1 });
        // Each output pixel is 8 * centre - (sum of its 8 neighbours): 8 at the point, -1 next to it, 0 elsewhere.
        var expected = new float[]
        {
            0,  0,  0,  0, 0,
            0, -1, -1, -1, 0,
            0, -1,  8, -1, 0,
            0, -1, -1, -1, 0,
            0,  0,  0,  0, 0,
        };
        CollectionAssert.AreEqual(expected, edges.ToArray<float>());
    }

    [TestMethod]
    public void VerticalStepEdgeAndFlatRegions()
    {
        using var scope = NewDisposeScope();
        // Columns 0-1 dark (0), columns 2-4 bright (2); 4 rows.
        var image = tensor(new float[]
        {
            0, 0, 2, 2, 2,
            0, 0, 2, 2, 2,
            0, 0, 2, 2, 2,
            0, 0, 2, 2, 2,
        }, new long[] { 1, 1, 4, 5 });
        var edges = nn.functional.conv2d(image, Laplacian());
        // Centre column 1 (dark): 8*0 - (three bright neighbours * 2) = -6.
        // Centre column 2 (bright): 8*2 - (2 bright above/below * 2 + 3 bright on the right * 2) = 16 - 10 = 6.
        // Centre column 3 (bright, all neighbours bright): 16 - 8*2 = 0.
        var expected = new float[]
        {
            -6, 6, 0,
            -6, 6, 0,
        };
        CollectionAssert.AreEqual(new long[] { 1, 1, 2, 3 }, edges.shape);
        CollectionAssert.AreEqual(expected, edges.ToArray<float>());
    }
}
