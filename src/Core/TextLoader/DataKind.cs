namespace CnnMl.Data;

/// <summary>The kinds of values a text column can be loaded as (as ML.NET's DataKind).</summary>
public enum DataKind : byte
{
    /// <summary>1-byte signed integer.</summary>
    SByte = 1,

    /// <summary>1-byte unsigned integer.</summary>
    Byte = 2,

    /// <summary>2-byte signed integer.</summary>
    Int16 = 3,

    /// <summary>2-byte unsigned integer.</summary>
    UInt16 = 4,

    /// <summary>4-byte signed integer.</summary>
    Int32 = 5,

    /// <summary>4-byte unsigned integer.</summary>
    UInt32 = 6,

    /// <summary>8-byte signed integer.</summary>
    Int64 = 7,

    /// <summary>8-byte unsigned integer.</summary>
    UInt64 = 8,

    /// <summary>4-byte floating point.</summary>
    Single = 9,

    /// <summary>8-byte floating point.</summary>
    Double = 10,

    /// <summary>Text.</summary>
    String = 11,

    /// <summary>Boolean.</summary>
    Boolean = 12,

    /// <summary>Time span (not supported by CnnMl's text loader).</summary>
    TimeSpan = 13,

    /// <summary>Date and time (not supported by CnnMl's text loader).</summary>
    DateTime = 14,

    /// <summary>Date, time and offset (not supported by CnnMl's text loader).</summary>
    DateTimeOffset = 15,
}

/// <summary>The number of values of a key column loaded from text (as ML.NET's KeyCount).</summary>
public sealed class KeyCount
{
    /// <summary>A key count left unknown (CnnMl's text loader needs a count; see <see cref="KeyCount(ulong)"/>).</summary>
    public KeyCount()
    {
    }

    /// <summary>A key column with <paramref name="count"/> values.</summary>
    public KeyCount(ulong count) => Count = count;

    /// <summary>The number of key values, or null when unknown.</summary>
    public ulong? Count { get; }
}
