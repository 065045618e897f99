namespace CnnMl.Data;

/// <summary>
/// The value of a vector column. CnnMl's vectors are dense: <see cref="GetValues"/> holds all
/// <see cref="Length"/> items (sparse vectors, with indices, are not supported).
/// </summary>
public readonly struct VBuffer<T>
{
    private readonly T[]? values;

    /// <summary>A dense vector over the first <paramref name="length"/> items of <paramref name="values"/> (not copied).</summary>
    public VBuffer(int length, T[] values, int[]? indices = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (indices is not null) throw new NotSupportedException("CnnMl supports dense vectors only; sparse VBuffer indices are not supported");
        if (length < 0 || length > values.Length) throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be between 0 and the {values.Length} values given");
        Length = length;
        this.values = values;
    }

    /// <summary>Number of items.</summary>
    public int Length { get; }

    /// <summary>Always true: CnnMl vectors are dense.</summary>
    public bool IsDense => true;

    /// <summary>The items.</summary>
    public ReadOnlySpan<T> GetValues() => values is null ? ReadOnlySpan<T>.Empty : new ReadOnlySpan<T>(values, 0, Length);

    /// <summary>The items as an enumeration (allocates; prefer <see cref="GetValues"/>).</summary>
    public IEnumerable<T> DenseValues()
    {
        for (int i = 0; i < Length; i++) yield return values![i];
    }

    /// <summary>The item at <paramref name="index"/>.</summary>
    public T GetItemOrDefault(int index)
    {
        if ((uint)index >= (uint)Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"index outside a vector of length {Length}");
        return values![index];
    }

    /// <summary>Copies into <paramref name="destination"/>, reusing its storage when large enough.</summary>
    public void CopyTo(ref VBuffer<T> destination)
    {
        var target = destination.values is { } existing && existing.Length >= Length ? existing : new T[Length];
        GetValues().CopyTo(target);
        destination = new VBuffer<T>(Length, target);
    }

    /// <summary>Copies the items into a span of exactly <see cref="Length"/> items.</summary>
    public void CopyTo(Span<T> destination) => GetValues().CopyTo(destination);

    /// <summary>Storage that may be reused by a getter filling this buffer (length at least <paramref name="length"/>).</summary>
    internal T[] Reuse(int length) => values is { } existing && existing.Length >= length ? existing : new T[length];

    public override string ToString() => $"VBuffer<{typeof(T).Name}>[{Length}]";
}
