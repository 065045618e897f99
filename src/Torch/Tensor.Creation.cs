using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch;

public static partial class torch
{
    private unsafe delegate IntPtr ShapeFactory(long* shape, int ndim, int dtype, int dev, int idx, int rg);

    private static unsafe Tensor Create(ShapeFactory factory, long[] size, ScalarType? dtype, Device? device, bool requires_grad)
    {
        ArgumentNullException.ThrowIfNull(size);
        var target = device ?? CPU;
        fixed (long* p = size)
            return new Tensor(factory(p, size.Length, (int)(dtype ?? default_dtype), (int)target.type, target.index, requires_grad ? 1 : 0));
    }

    /// <summary>A tensor of zeros.</summary>
    public static unsafe Tensor zeros(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(cnn_zeros, size, dtype, device, requires_grad);

    /// <summary>A tensor of zeros.</summary>
    public static Tensor zeros(params long[] size) => zeros(size, null);

    /// <summary>A tensor of ones.</summary>
    public static unsafe Tensor ones(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(cnn_ones, size, dtype, device, requires_grad);

    /// <summary>A tensor of ones.</summary>
    public static Tensor ones(params long[] size) => ones(size, null);

    /// <summary>An uninitialized tensor.</summary>
    public static unsafe Tensor empty(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(cnn_empty, size, dtype, device, requires_grad);

    /// <summary>An uninitialized tensor.</summary>
    public static Tensor empty(params long[] size) => empty(size, null);

    /// <summary>Uniform samples from [0, 1).</summary>
    public static unsafe Tensor rand(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(cnn_rand, size, dtype, device, requires_grad);

    /// <summary>Uniform samples from [0, 1).</summary>
    public static Tensor rand(params long[] size) => rand(size, null);

    /// <summary>Standard normal samples.</summary>
    public static unsafe Tensor randn(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(cnn_randn, size, dtype, device, requires_grad);

    /// <summary>Standard normal samples.</summary>
    public static Tensor randn(params long[] size) => randn(size, null);

    /// <summary>A tensor filled with one value.</summary>
    public static unsafe Tensor full(long[] size, Scalar value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var target = device ?? CPU;
        var type = dtype ?? (value.IsIntegral ? ScalarType.Int64 : default_dtype);
        fixed (long* p = size)
            return new Tensor(cnn_full(p, size.Length, value.Value, value.Integral, (int)type, (int)target.type, target.index, requires_grad ? 1 : 0));
    }

    /// <summary>Uniform random integers in [low, high).</summary>
    public static unsafe Tensor randint(long low, long high, long[] size, ScalarType? dtype = null, Device? device = null)
    {
        var target = device ?? CPU;
        fixed (long* p = size)
            return new Tensor(cnn_randint(low, high, p, size.Length, (int)(dtype ?? ScalarType.Int64), (int)target.type, target.index));
    }

    /// <summary>Uniform random integers in [0, high).</summary>
    public static Tensor randint(long high, long[] size, ScalarType? dtype = null, Device? device = null) => randint(0, high, size, dtype, device);

    /// <summary>A random permutation of 0..n-1.</summary>
    public static Tensor randperm(long n, ScalarType? dtype = null, Device? device = null)
    {
        var target = device ?? CPU;
        return new Tensor(cnn_randperm(n, (int)(dtype ?? ScalarType.Int64), (int)target.type, target.index));
    }

    /// <summary>Values from start to end (exclusive) by step. Integral arguments give an int64 tensor, as in PyTorch.</summary>
    public static Tensor arange(Scalar start, Scalar end, Scalar step, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var target = device ?? CPU;
        var integral = start.IsIntegral && end.IsIntegral && step.IsIntegral;
        var type = dtype ?? (integral ? ScalarType.Int64 : default_dtype);
        return new Tensor(cnn_arange(start.Value, end.Value, step.Value, (int)type, (int)target.type, target.index, requires_grad ? 1 : 0));
    }

    /// <summary>Values from start to end (exclusive) in steps of one.</summary>
    public static Tensor arange(Scalar start, Scalar end, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        arange(start, end, 1, dtype, device, requires_grad);

    /// <summary>Values from 0 to end (exclusive) in steps of one.</summary>
    public static Tensor arange(Scalar end, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        arange(0, end, 1, dtype, device, requires_grad);

    /// <summary>Zeros with the shape, dtype and device of <paramref name="input"/>.</summary>
    public static Tensor zeros_like(Tensor input, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        zeros(input.shape, dtype ?? input.dtype, device ?? input.device, requires_grad);

    /// <summary>Ones with the shape, dtype and device of <paramref name="input"/>.</summary>
    public static Tensor ones_like(Tensor input, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        ones(input.shape, dtype ?? input.dtype, device ?? input.device, requires_grad);

    /// <summary>Standard normal samples with the shape, dtype and device of <paramref name="input"/>.</summary>
    public static Tensor randn_like(Tensor input) => randn(input.shape, input.dtype, input.device);

    /// <summary>Uniform samples with the shape, dtype and device of <paramref name="input"/>.</summary>
    public static Tensor rand_like(Tensor input) => rand(input.shape, input.dtype, input.device);

    /// <summary>Creates a tensor from elements in row-major order, copied once into memory libtorch owns.</summary>
    public static unsafe Tensor tensor<T>(ReadOnlySpan<T> data, long[] shape, Device? device = null, bool requires_grad = false) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var s in shape)
        {
            if (s < 0) throw new ArgumentException($"shape [{string.Join(", ", shape)}] has a negative dimension", nameof(shape));
            count *= s;
        }
        if (count != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} elements but {data.Length} were given", nameof(shape));
        var target = device ?? CPU;
        fixed (T* d = data)
        fixed (long* p = shape)
            return new Tensor(cnn_tensor_from_data(d, p, shape.Length, (int)DTypeOf<T>(), (int)target.type, target.index, requires_grad ? 1 : 0));
    }

    /// <summary>Creates a tensor from an array and a shape.</summary>
    public static Tensor tensor<T>(T[] data, long[] shape, Device? device = null, bool requires_grad = false) where T : unmanaged =>
        tensor<T>(new ReadOnlySpan<T>(data), shape, device, requires_grad);

    /// <summary>Creates a 1-D tensor from an array.</summary>
    public static Tensor tensor<T>(T[] data, Device? device = null, bool requires_grad = false) where T : unmanaged =>
        tensor<T>(new ReadOnlySpan<T>(data), new long[] { data.Length }, device, requires_grad);

    /// <summary>Creates a 0-D tensor holding one value.</summary>
    public static Tensor tensor(float value, Device? device = null, bool requires_grad = false) =>
        tensor<float>(new[] { value }, Array.Empty<long>(), device, requires_grad);

    /// <summary>Creates a 0-D tensor holding one value.</summary>
    public static Tensor tensor(double value, Device? device = null, bool requires_grad = false) =>
        tensor<double>(new[] { value }, Array.Empty<long>(), device, requires_grad);

    /// <summary>Creates a 0-D tensor holding one value.</summary>
    public static Tensor tensor(long value, Device? device = null) => tensor<long>(new[] { value }, Array.Empty<long>(), device);

    /// <summary>Creates a 2-D tensor from a rectangular array.</summary>
    public static unsafe Tensor tensor<T>(T[,] data, Device? device = null, bool requires_grad = false) where T : unmanaged
    {
        var span = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref data[0, 0], data.Length);
        return tensor(span, new long[] { data.GetLength(0), data.GetLength(1) }, device, requires_grad);
    }
}
