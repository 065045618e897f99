namespace CnnMl.Datasets;

/// <summary>
/// Which rows of a dataset file a loader exposes, and in what order. The default is every row in
/// file order.
/// </summary>
public sealed class DatasetLoadOptions
{
    /// <summary>Keep only the first <c>MaxRows</c> rows of the file (before any shuffling); null keeps all.</summary>
    public int? MaxRows { get; set; }

    /// <summary>Visit the rows in a random order fixed by <see cref="Seed"/> (every cursor sees the same order).</summary>
    public bool Shuffle { get; set; }

    /// <summary>The shuffle seed (null: 0, so an unseeded shuffle is the same every run; ML.NET does not expose the MLContext's seed).</summary>
    public int? Seed { get; set; }

    /// <summary>Checks the options; the one place they are validated.</summary>
    internal void Validate()
    {
        if (MaxRows is < 0) throw new ArgumentOutOfRangeException(nameof(MaxRows), MaxRows, "MaxRows must be zero or more (null keeps every row)");
    }

    /// <summary>The row order: the first MaxRows of <paramref name="count"/> rows, shuffled when asked.</summary>
    internal int[] RowOrder(int count)
    {
        Validate();
        var order = Enumerable.Range(0, Math.Min(count, MaxRows ?? count)).ToArray();
        if (Shuffle) new Random(Seed ?? 0).Shuffle(order);
        return order;
    }
}
