namespace CnnMl.Data;

/// <summary>Annotation kinds, as ML.NET's AnnotationUtils.Kinds.</summary>
public static class AnnotationKinds
{
    /// <summary>The names of the values of a key column (a text vector, one per key).</summary>
    public const string KeyValues = "KeyValues";

    /// <summary>The names of the slots of a vector column.</summary>
    public const string SlotNames = "SlotNames";
}
