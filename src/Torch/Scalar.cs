namespace CnnMl.Torch;

/// <summary>
/// A number passed to a tensor operation, integral or floating (a value type: no allocation).
/// Integral scalars keep integer tensors integral, as Python ints do in PyTorch.
/// </summary>
public readonly struct Scalar
{
    internal readonly double Value;
    internal readonly bool IsIntegral;

    private Scalar(double value, bool integral)
    {
        Value = value;
        IsIntegral = integral;
    }

    public static implicit operator Scalar(int value) => new(value, true);
    public static implicit operator Scalar(long value) => new(value, true);
    public static implicit operator Scalar(float value) => new(value, false);
    public static implicit operator Scalar(double value) => new(value, false);
    public static implicit operator Scalar(bool value) => new(value ? 1 : 0, true);

    /// <summary>The value as a double.</summary>
    public double ToDouble() => Value;

    internal int Integral => IsIntegral ? 1 : 0;

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
