using CnnMl.Data;
using CnnMl.Model;

namespace CnnMl;

public sealed partial class ModelOperationsCatalog
{
    /// <summary>
    /// Saves a model and the schema of its input to a zip file (manifest.json plus the steps' data
    /// entries). The file is written to a temporary file next to it, flushed, then renamed over
    /// <paramref name="filePath"/>, so a reader never sees a partial file.
    /// </summary>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputSchema">The schema of the data the model was fitted on (null: none saved).</param>
    /// <param name="filePath">Where to write the model.</param>
    public void Save(ITransformer model, DataViewSchema inputSchema, string filePath) => ModelWriter.Write(model, inputSchema, filePath);

    /// <summary>Saves a model and the schema of its input as a zip written to <paramref name="stream"/> (left open).</summary>
    public void Save(ITransformer model, DataViewSchema inputSchema, Stream stream) => ModelWriter.Write(model, inputSchema, stream);

    /// <summary>
    /// Loads a model saved by <see cref="Save(ITransformer, DataViewSchema, string)"/> and the schema
    /// of its input (empty when none was saved). The file is validated before any step is built: an
    /// unsupported format version, a missing manifest or entry, an entry name escaping the archive, an
    /// oversized entry, malformed JSON or an unknown transformer kind is an
    /// <see cref="InvalidDataException"/> naming the file and the problem.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid CnnMl model.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public ITransformer Load(string filePath, out DataViewSchema inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var file = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ModelReader.Read(file, $"'{filePath}'", out inputSchema);
    }

    /// <summary>Loads a model from a stream holding a model zip (see <see cref="Load(string, out DataViewSchema)"/>); the stream is left open.</summary>
    /// <exception cref="InvalidDataException">The stream does not hold a valid CnnMl model.</exception>
    public ITransformer Load(Stream stream, out DataViewSchema inputSchema) => ModelReader.Read(stream, "(stream)", out inputSchema);

    /// <summary>
    /// Creates an engine that runs <paramref name="transformer"/> on one example at a time (as
    /// ML.NET). Members of <typeparamref name="TDst"/> are filled from the output columns of the same
    /// name (honouring [ColumnName]); with <paramref name="ignoreMissingColumns"/> members without a
    /// column are left alone, otherwise they are an error. A PredictionEngine is not thread-safe:
    /// create one per thread.
    /// </summary>
    public PredictionEngine<TSrc, TDst> CreatePredictionEngine<TSrc, TDst>(ITransformer transformer, bool ignoreMissingColumns = true)
        where TSrc : class
        where TDst : class, new() =>
        new(transformer, ignoreMissingColumns);

    /// <summary>
    /// Creates a thread-safe pool of prediction engines for <paramref name="transformer"/>: any number
    /// of threads may call <see cref="PredictionEnginePool{TSrc, TDst}.Predict(TSrc)"/> at once, each
    /// served by an engine of its own, with results equal to a single engine's.
    /// </summary>
    /// <param name="transformer">The fitted pipeline (its transformers must allow concurrent Transform calls, as CnnMl's do).</param>
    /// <param name="ignoreMissingColumns">As for <see cref="CreatePredictionEngine{TSrc, TDst}"/>.</param>
    /// <param name="maximumRetained">Most idle engines kept for reuse (default: twice the processor count).</param>
    public PredictionEnginePool<TSrc, TDst> CreatePredictionEnginePool<TSrc, TDst>(ITransformer transformer, bool ignoreMissingColumns = true, int? maximumRetained = null)
        where TSrc : class
        where TDst : class, new() =>
        new(transformer, ignoreMissingColumns, maximumRetained ?? 2 * Environment.ProcessorCount);
}
