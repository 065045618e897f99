using System.Collections.Concurrent;
using CnnMl.Data;

namespace CnnMl.Trainers;

/// <summary>One batch of images (row-major [N, C, H, W]) and 0-based labels, in reused pinned buffers.</summary>
internal sealed class ImageBatch
{
    public ImageBatch(int capacity, int imageElements)
    {
        Images = GC.AllocateUninitializedArray<float>(capacity * imageElements, pinned: true);
        Labels = GC.AllocateUninitializedArray<long>(capacity, pinned: true);
    }

    public float[] Images { get; }
    public long[] Labels { get; }
    public int Count { get; set; }
}

/// <summary>
/// Reads batches from a data view on a background thread into a small pool of reused buffers,
/// so reading (and any lazy decoding upstream) overlaps the training step.
/// </summary>
internal sealed class BatchProducer : IDisposable
{
    private const int PoolSize = 3;
    private readonly BlockingCollection<ImageBatch> ready = new(PoolSize);
    private readonly BlockingCollection<ImageBatch> free = new(PoolSize);
    private readonly CancellationTokenSource stop = new();
    private readonly Task worker;
    private Exception? failure;

    public BatchProducer(IDataView data, TrainingInput input, int batchSize, Random? order, CancellationToken cancellation)
    {
        for (int i = 0; i < PoolSize; i++) free.Add(new ImageBatch(batchSize, input.ImageElements));
        var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cancellation).Token;
        worker = Task.Factory.StartNew(() => Produce(data, input, batchSize, order, linked), linked, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Produce(IDataView data, TrainingInput input, int batchSize, Random? order, CancellationToken token)
    {
        try
        {
            using var cursor = data.GetRowCursor(new[] { input.Features, input.Label }, order);
            var features = cursor.GetGetter<VBuffer<float>>(input.Features);
            var labels = cursor.GetGetter<uint>(input.Label);
            VBuffer<float> image = default;
            uint key = 0;
            var classes = input.ClassNames.Count;
            ImageBatch? batch = null;
            long row = 0;
            while (cursor.MoveNext())
            {
                batch ??= TakeFree(token);
                features(ref image);
                labels(ref key);
                if (image.Length != input.ImageElements)
                    throw new InvalidDataException($"row {row}: features column '{input.Features.Name}' has {image.Length} values, expected {input.ImageElements} ({input.Channels}x{input.Height}x{input.Width})");
                if (key == 0 || key > classes)
                    throw new InvalidDataException($"row {row}: label column '{input.Label.Name}' has a missing or out-of-range key ({key}); labels must be keys 1..{classes}");
                image.GetValues().CopyTo(batch.Images.AsSpan(batch.Count * input.ImageElements));
                batch.Labels[batch.Count] = key - 1;
                batch.Count++;
                row++;
                if (batch.Count == batchSize)
                {
                    ready.Add(batch, token);
                    batch = null;
                }
            }
            if (batch is { Count: > 0 }) ready.Add(batch, token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            ready.CompleteAdding();
        }
    }

    private ImageBatch TakeFree(CancellationToken token)
    {
        var batch = free.Take(token);
        batch.Count = 0;
        return batch;
    }

    /// <summary>The batches in order; each must be handed back with <see cref="Release"/> before the next but two is produced.</summary>
    public IEnumerable<ImageBatch> Batches()
    {
        foreach (var batch in ready.GetConsumingEnumerable())
            yield return batch;
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }

    /// <summary>Returns a consumed batch's buffers to the pool.</summary>
    public void Release(ImageBatch batch) => free.Add(batch);

    public void Dispose()
    {
        stop.Cancel();
        try
        {
            worker.Wait();
        }
        catch (AggregateException)
        {
        }
        stop.Dispose();
        ready.Dispose();
        free.Dispose();
    }
}
