namespace CnnMl.Trainers;

/// <summary>
/// A thread-safe source of predictions: keeps <see cref="PredictionEngine{TSrc, TDst}"/>s (each
/// single-threaded) and lends one to each concurrent <see cref="Predict(TSrc)"/>, creating engines
/// as concurrency demands and keeping up to <see cref="MaximumRetained"/> idle ones for reuse (as
/// ML.NET's PredictionEnginePool). Results equal those of a single engine.
/// </summary>
/// <typeparam name="TSrc">The input class.</typeparam>
/// <typeparam name="TDst">The output class.</typeparam>
public sealed class PredictionEnginePool<TSrc, TDst> : IDisposable
    where TSrc : class
    where TDst : class, new()
{
    private readonly Func<PredictionEngine<TSrc, TDst>> create;
    // A locked stack, not a ConcurrentBag: the bag's TryTake can miss an engine another thread is
    // adding or taking, and the pool then creates more engines than there are concurrent calls.
    private readonly Stack<PredictionEngine<TSrc, TDst>> idle = new();
    private readonly Lock gate = new();
    private int created;
    private bool disposed;

    internal PredictionEnginePool(Func<PredictionEngine<TSrc, TDst>> create, int maximumRetained)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumRetained, 1);
        MaximumRetained = maximumRetained;
        this.create = create;
        // One engine up front: a model that cannot serve TDst fails here, not on the first request.
        Return(Rent());
    }

    /// <summary>Most idle engines kept for reuse; engines beyond it are dropped when returned.</summary>
    public int MaximumRetained { get; }

    /// <summary>Engines created so far (at most the peak number of concurrent predictions).</summary>
    public int EnginesCreated
    {
        get
        {
            lock (gate) return created;
        }
    }

    /// <summary>Runs the model on <paramref name="example"/>; safe to call from any number of threads at once.</summary>
    public TDst Predict(TSrc example)
    {
        var engine = Rent();
        try
        {
            return engine.Predict(example);
        }
        finally
        {
            Return(engine);
        }
    }

    private PredictionEngine<TSrc, TDst> Rent()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (idle.TryPop(out var engine)) return engine;
            created++;
        }
        try
        {
            return create();
        }
        catch
        {
            lock (gate) created--;
            throw;
        }
    }

    private void Return(PredictionEngine<TSrc, TDst> engine)
    {
        lock (gate)
        {
            if (!disposed && idle.Count < MaximumRetained)
            {
                idle.Push(engine);
                return;
            }
        }
        engine.Dispose();
    }

    /// <summary>Releases the idle engines; predictions in flight finish, later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        PredictionEngine<TSrc, TDst>[] engines;
        lock (gate)
        {
            disposed = true;
            engines = idle.ToArray();
            idle.Clear();
        }
        foreach (var engine in engines) engine.Dispose();
    }
}
