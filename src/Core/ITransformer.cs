using CnnMl.Data;
using CnnMl.Model;

namespace CnnMl;

/// <summary>A fitted pipeline step that maps a data view to another, lazily (as ML.NET's ITransformer).</summary>
public interface ITransformer : ICanSaveModel
{
    /// <summary>True when each output row depends only on the same input row.</summary>
    bool IsRowToRowMapper { get; }

    /// <summary>The schema <see cref="Transform"/> produces for an input schema; a clear error when the input lacks what is needed.</summary>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>Applies the transform lazily: nothing is computed until a cursor reads the result.</summary>
    IDataView Transform(IDataView input);
}

/// <summary>Something that can be written into a CnnMl model file.</summary>
public interface ICanSaveModel
{
    /// <summary>Writes the object's kind, options and data files.</summary>
    void Save(ModelSaveContext ctx);
}

/// <summary>An untrained pipeline step (as ML.NET's IEstimator).</summary>
public interface IEstimator<out TTransformer> where TTransformer : ITransformer
{
    /// <summary>Learns from the data and returns the fitted transformer.</summary>
    TTransformer Fit(IDataView input);

    /// <summary>The output shape for an input shape, without data.</summary>
    SchemaShape GetOutputSchema(SchemaShape inputSchema);
}
