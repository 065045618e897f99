namespace CnnMl.Data;

/// <summary>A unique, stable identifier of a row.</summary>
public readonly record struct DataViewRowId(ulong Low, ulong High)
{
    public override string ToString() => High == 0 ? Low.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{High}:{Low}";
}
