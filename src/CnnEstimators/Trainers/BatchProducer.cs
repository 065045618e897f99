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

/// <summary>Fills one image's planar floats from the current row: a float vector copied, or encoded bytes decoded.</summary>
internal delegate void ImageRowReader(Span<float> destination, long row);

internal static class ImageReader
{
    public static ImageRowReader Create(DataViewRow cursor, TrainingInput input) =>
        Create(cursor, input.Features, input.Channels, input.Height, input.Width, input.EncodedImages);

    public static ImageRowReader Create(DataViewRow cursor, DataViewSchema.Column features, int channels, int height, int width, bool encodedImages)
    {
        var elements = channels * height * width;
        if (encodedImages)
        {
            var bytes = cursor.GetGetter<VBuffer<byte>>(features);
            VBuffer<byte> encoded = default;
            return (destination, row) =>
            {
                bytes(ref encoded);
                try
                {
                    EncodedImageDecoder.Decode(encoded.GetValues(), channels, height, width, destination);
                }
                catch (Torch.TorchException e)
                {
                    throw new InvalidDataException($"row {row}: column '{features.Name}' does not hold a decodable image ({encoded.Length} bytes): {e.Message}", e);
                }
            };
        }
        var floats = cursor.GetGetter<VBuffer<float>>(features);
        VBuffer<float> image = default;
        return (destination, row) =>
        {
            floats(ref image);
            if (image.Length != elements)
                throw new InvalidDataException($"row {row}: features column '{features.Name}' has {image.Length} values, expected {elements} ({channels}x{height}x{width})");
            image.GetValues().CopyTo(destination);
        };
    }
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

    private readonly bool skipUnreadableImages;
    private int skipped;

    public BatchProducer(IDataView data, TrainingInput input, int batchSize, Random? order, CancellationToken cancellation, bool skipUnreadableImages = false)
    {
        this.skipUnreadableImages = skipUnreadableImages;
        for (int i = 0; i < PoolSize; i++) free.Add(new ImageBatch(batchSize, input.ImageElements));
        var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cancellation).Token;
        worker = Task.Factory.StartNew(() => Produce(data, input, batchSize, order, linked), linked, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Produce(IDataView data, TrainingInput input, int batchSize, Random? order, CancellationToken token)
    {
        try
        {
            using var cursor = data.GetRowCursor(new[] { input.Features, input.Label }, order);
            var features = ImageReader.Create(cursor, input);
            var labels = cursor.GetGetter<uint>(input.Label);
            uint key = 0;
            var classes = input.ClassNames.Count;
            ImageBatch? batch = null;
            long row = 0;
            while (cursor.MoveNext())
            {
                batch ??= TakeFree(token);
                labels(ref key);
                if (key == 0 || key > classes)
                    throw new InvalidDataException($"row {row}: label column '{input.Label.Name}' has a missing or out-of-range key ({key}); labels must be keys 1..{classes}");
                try
                {
                    features(batch.Images.AsSpan(batch.Count * input.ImageElements, input.ImageElements), row);
                }
                catch (Exception e) when (skipUnreadableImages && e is InvalidDataException or InvalidOperationException)
                {
                    Interlocked.Increment(ref skipped);
                    row++;
                    continue;
                }
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

    /// <summary>Rows skipped so far because their image could not be read (with skipping on).</summary>
    public int SkippedImages => Volatile.Read(ref skipped);

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
