using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Tests;

/// <summary>Bad calls throw managed exceptions with clear messages, and the process stays usable.</summary>
[TestClass]
public sealed class ErrorTests
{
    /// <summary>After any failure, ordinary work still succeeds and does not see a stale error.</summary>
    private static void AssertStillUsable()
    {
        using var scope = NewDisposeScope();
        var a = arange(0, 6, ScalarType.Float32).reshape(2, 3);
        var b = F.conv2d(ones(1, 1, 3, 3), ones(1, 1, 2, 2));
        Assert.AreEqual(15f, a.sum().item<float>());
        CollectionAssert.AreEqual(new float[] { 4, 4, 4, 4 }, b.ToArray<float>());
    }

    [TestMethod]
    public void Conv2dChannelMismatchNamesTheShapes()
    {
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsException<TorchException>(() => F.conv2d(zeros(2, 3, 8, 8), zeros(4, 5, 3, 3)));
        StringAssert.Contains(e.Message, "[2, 3, 8, 8]");
        StringAssert.Contains(e.Message, "[4, 5, 3, 3]");
        StringAssert.Contains(e.Message, "to have 5 channels");
        AssertStillUsable();
    }

    [TestMethod]
    public void MatmulShapeMismatchNamesTheShapes()
    {
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsException<TorchException>(() => zeros(2, 3).matmul(zeros(4, 5)));
        StringAssert.Contains(e.Message, "(2x3 and 4x5)");
        var linear = Assert.ThrowsException<TorchException>(() => F.linear(zeros(7, 3), zeros(2, 4)));
        StringAssert.Contains(linear.Message, "(7x3 and 4x2)");
        AssertStillUsable();
    }

    [TestMethod]
    public void ReadingWithTheWrongElementTypeNamesBothTypes()
    {
        using var scope = NewDisposeScope();
        var indexes = arange(0, 5);
        Assert.AreEqual(ScalarType.Int64, indexes.dtype);
        var e = Assert.ThrowsException<ArgumentException>(() => indexes.ToArray<float>());
        StringAssert.Contains(e.Message, "Int64");
        StringAssert.Contains(e.Message, "Single");
        Assert.ThrowsException<ArgumentException>(() => indexes.data<double>());
        Assert.ThrowsException<ArgumentException>(() => ones(2).CopyFrom<long>(new long[] { 1, 2 }));
        CollectionAssert.AreEqual(new long[] { 0, 1, 2, 3, 4 }, indexes.ToArray<long>());
        AssertStillUsable();
    }

    [TestMethod]
    public void DisposedTensorThrowsObjectDisposedException()
    {
        var t = ones(2, 2);
        t.Dispose();
        Assert.IsTrue(t.IsInvalid);
        var e = Assert.ThrowsException<ObjectDisposedException>(() => t.add(1));
        StringAssert.Contains(e.Message, "disposed");
        Assert.ThrowsException<ObjectDisposedException>(() => t.shape);
        Assert.ThrowsException<ObjectDisposedException>(() => t.ToArray<float>());
        using (var other = ones(2, 2)) Assert.ThrowsException<ObjectDisposedException>(() => other.mul(t));
        Assert.ThrowsException<ObjectDisposedException>(() => F.relu(t));
        t.Dispose();
        Assert.AreEqual("tensor(disposed)", t.ToString());

        Tensor fromScope;
        using (NewDisposeScope()) fromScope = zeros(3);
        Assert.ThrowsException<ObjectDisposedException>(() => fromScope.sum());
        AssertStillUsable();
    }

    [TestMethod]
    public void OtherBadCallsCarryLibtorchMessages()
    {
        using var scope = NewDisposeScope();
        var target = Assert.ThrowsException<TorchException>(() => F.cross_entropy(zeros(2, 3), tensor(new long[] { 0, 7 })));
        StringAssert.Contains(target.Message, "out of bounds");
        var joined = Assert.ThrowsException<TorchException>(() => cat(new[] { zeros(2, 3), zeros(3, 2) }, 0));
        StringAssert.Contains(joined.Message, "Sizes of tensors must match");
        var view = Assert.ThrowsException<TorchException>(() => zeros(3, 4).t().view(12));
        StringAssert.Contains(view.Message, "view size is not compatible");
        var leaf = ones(new long[] { 3 }, requires_grad: true);
        var backward = Assert.ThrowsException<TorchException>(() => (leaf * 2).backward());
        StringAssert.Contains(backward.Message, "grad can be implicitly created only for scalar outputs");
        var pooled = Assert.ThrowsException<TorchException>(() => F.max_pool2d(zeros(1, 1, 2, 2), new long[] { 3 }));
        StringAssert.Contains(pooled.Message, "Output size is too small");
        Assert.ThrowsException<ArgumentException>(() => tensor(new float[] { 1, 2, 3 }, new long[] { 2, 2 }));
        Assert.ThrowsException<InvalidOperationException>(() => ones(2).item<float>());
        Assert.IsTrue(float.IsNaN(tensor(new[] { float.NaN }).item<float>()), "a real NaN is a value, not an error");
        var overflow = Assert.ThrowsException<TorchException>(() => tensor(new[] { float.NaN }).item<long>());
        StringAssert.Contains(overflow.Message, "without overflow");
        Assert.ThrowsException<ArgumentOutOfRangeException>(() => ones(2, 3).size(2));
        Assert.ThrowsException<ArgumentException>(() => nn.BatchNorm2d(3).call(zeros(2, 3)));
        AssertStillUsable();
    }

    [TestMethod]
    public void ErrorMessagesAreKeptPerThread()
    {
        var messages = new string[2];
        var threads = new[]
        {
            new Thread(() => messages[0] = Catch(() => zeros(2, 3).matmul(zeros(4, 5)))),
            new Thread(() => messages[1] = Catch(() => F.conv2d(zeros(1, 3, 4, 4), zeros(1, 2, 3, 3)))),
        };
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        StringAssert.Contains(messages[0], "cannot be multiplied");
        StringAssert.Contains(messages[1], "channels");
    }

    private static string Catch(Action action)
    {
        try
        {
            for (int i = 0; i < 200; i++)
            {
                using var scope = NewDisposeScope();
                try
                {
                    action();
                }
                catch (TorchException) when (i < 199)
                {
                }
            }
        }
        catch (TorchException e)
        {
            return e.Message;
        }
        return "no exception";
    }
}
