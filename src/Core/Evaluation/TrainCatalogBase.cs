using CnnMl.Data;

namespace CnnMl;

/// <summary>Base of the task catalogs that train and cross-validate (as ML.NET's TrainCatalogBase).</summary>
public abstract class TrainCatalogBase
{
    private protected TrainCatalogBase()
    {
    }

    /// <summary>The outcome of one fold of a cross-validation: the metrics on the held-out rows, the model trained on the other rows, the scored held-out rows and the fold's index.</summary>
    /// <typeparam name="TMetrics">The metrics type of the task, such as <see cref="MulticlassClassificationMetrics"/>.</typeparam>
    public sealed class CrossValidationResult<TMetrics> where TMetrics : class
    {
        internal CrossValidationResult(ITransformer model, TMetrics metrics, IDataView scoredHoldOutSet, int fold)
        {
            Model = model;
            Metrics = metrics;
            ScoredHoldOutSet = scoredHoldOutSet;
            Fold = fold;
        }

        /// <summary>The model trained on every fold but this one.</summary>
        public readonly ITransformer Model;

        /// <summary>The metrics of <see cref="Model"/> on this fold's rows.</summary>
        public readonly TMetrics Metrics;

        /// <summary>This fold's rows as scored by <see cref="Model"/> (lazy).</summary>
        public readonly IDataView ScoredHoldOutSet;

        /// <summary>The zero-based index of the fold.</summary>
        public readonly int Fold;
    }
}
