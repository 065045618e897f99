using CnnMl.Data;
using CnnMl.Model;

namespace CnnMl;

/// <summary>Estimators fitted one after another, each on the output of the previous (as ML.NET).</summary>
public sealed class EstimatorChain<TLastTransformer> : IEstimator<TransformerChain<TLastTransformer>>
    where TLastTransformer : class, ITransformer
{
    private readonly IEstimator<ITransformer>[] estimators;

    /// <summary>An empty chain.</summary>
    public EstimatorChain() => estimators = Array.Empty<IEstimator<ITransformer>>();

    private EstimatorChain(IEstimator<ITransformer>[] estimators) => this.estimators = estimators;

    /// <summary>The last estimator of the chain, if any.</summary>
    public IEstimator<TLastTransformer>? LastEstimator => estimators.Length == 0 ? null : (IEstimator<TLastTransformer>)estimators[^1];

    /// <summary>A new chain with <paramref name="estimator"/> appended.</summary>
    public EstimatorChain<TNewTrans> Append<TNewTrans>(IEstimator<TNewTrans> estimator) where TNewTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(estimator);
        return new EstimatorChain<TNewTrans>(estimators.Append((IEstimator<ITransformer>)estimator).ToArray());
    }

    public TransformerChain<TLastTransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var fitted = new List<ITransformer>();
        var current = input;
        foreach (var estimator in estimators)
        {
            var transformer = estimator.Fit(current);
            fitted.Add(transformer);
            current = transformer.Transform(current);
        }
        return new TransformerChain<TLastTransformer>(fitted);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var shape = inputSchema;
        foreach (var estimator in estimators) shape = estimator.GetOutputSchema(shape);
        return shape;
    }
}

/// <summary>Fitted transformers applied in order (as ML.NET).</summary>
public sealed class TransformerChain<TLastTransformer> : ITransformer, IEnumerable<ITransformer>
    where TLastTransformer : class, ITransformer
{
    private readonly ITransformer[] transformers;

    public TransformerChain(params ITransformer[] transformers) => this.transformers = transformers.ToArray();

    public TransformerChain(IEnumerable<ITransformer> transformers) => this.transformers = transformers.ToArray();

    /// <summary>The last transformer (the trained model in a typical pipeline).</summary>
    public TLastTransformer LastTransformer => transformers.Length == 0
        ? throw new InvalidOperationException("the chain is empty")
        : (TLastTransformer)transformers[^1];

    public bool IsRowToRowMapper => transformers.All(t => t.IsRowToRowMapper);

    public TransformerChain<TNewLast> Append<TNewLast>(TNewLast transformer) where TNewLast : class, ITransformer =>
        new(transformers.Append(transformer));

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        var schema = inputSchema;
        foreach (var t in transformers) schema = t.GetOutputSchema(schema);
        return schema;
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(input.Schema);
        var current = input;
        foreach (var t in transformers) current = t.Transform(current);
        return current;
    }

    public void Save(ModelSaveContext ctx)
    {
        ctx.Kind = TransformerChainKind;
        foreach (var t in transformers) ctx.SaveChild(t);
    }

    internal const string TransformerChainKind = "TransformerChain";

    public IEnumerator<ITransformer> GetEnumerator() => ((IEnumerable<ITransformer>)transformers).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Append for single estimators, as ML.NET's extension methods.</summary>
public static class LearningPipelineExtensions
{
    /// <summary>Starts a chain of two estimators.</summary>
    public static EstimatorChain<TTrans> Append<TTrans>(this IEstimator<ITransformer> start, IEstimator<TTrans> estimator)
        where TTrans : class, ITransformer =>
        new EstimatorChain<ITransformer>().Append(start).Append(estimator);

    /// <summary>Starts a chain of two transformers.</summary>
    public static TransformerChain<TTrans> Append<TTrans>(this ITransformer start, TTrans transformer)
        where TTrans : class, ITransformer =>
        new TransformerChain<TTrans>(start, transformer);
}
