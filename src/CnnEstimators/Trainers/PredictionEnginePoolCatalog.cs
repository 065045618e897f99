using CnnMl.Trainers;

namespace Microsoft.ML;

/// <summary><c>mlContext.Model.CreatePredictionEnginePool</c>: what Microsoft.Extensions.ML offers, which is not served here.</summary>
public static class PredictionEnginePoolCatalog
{
    /// <summary>
    /// Creates a thread-safe pool of prediction engines for <paramref name="transformer"/>: any number
    /// of threads may call <see cref="PredictionEnginePool{TSrc, TDst}.Predict(TSrc)"/> at once, each
    /// served by an engine of its own, with results equal to a single engine's.
    /// </summary>
    /// <param name="catalog">The MLContext's model operations.</param>
    /// <param name="transformer">The fitted pipeline (its transformers must allow concurrent Transform calls, as CnnMl's do).</param>
    /// <param name="ignoreMissingColumns">As for ModelOperationsCatalog.CreatePredictionEngine.</param>
    /// <param name="maximumRetained">Most idle engines kept for reuse (default: twice the processor count).</param>
    public static PredictionEnginePool<TSrc, TDst> CreatePredictionEnginePool<TSrc, TDst>(this ModelOperationsCatalog catalog, ITransformer transformer,
        bool ignoreMissingColumns = true, int? maximumRetained = null)
        where TSrc : class
        where TDst : class, new()
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(transformer);
        // The pool's engines share the transformer: disposing one must not dispose it (ML.NET's engines own theirs by default).
        var options = new PredictionEngineOptions { IgnoreMissingColumns = ignoreMissingColumns, OwnsTransformer = false };
        return new(() => catalog.CreatePredictionEngine<TSrc, TDst>(transformer, options), maximumRetained ?? 2 * Environment.ProcessorCount);
    }
}
