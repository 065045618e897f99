using System.Collections.Concurrent;

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
    public static ImageRowReader Create(DataViewRow cursor, TrainingInput input, Func<string>? describeRow = null) =>
        Create(cursor, input.Features, input.Channels, input.Height, input.Width, input.EncodedImages, describeRow);

    /// <summary>A reader of the features of <paramref name="cursor"/>'s current row; <paramref name="describeRow"/> adds what identifies the row (e.g. its image path) to an error.</summary>
    public static ImageRowReader Create(DataViewRow cursor, DataViewSchema.Column features, int channels, int height, int width, bool encodedImages, Func<string>? describeRow = null)
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
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"row {row}{describeRow?.Invoke()}: column '{features.Name}' does not hold a decodable image ({encoded.Length} bytes): {e.Message}", e);
                }
            };
        }
        var floats = cursor.GetGetter<VBuffer<float>>(features);
        VBuffer<float> image = default;
        return (destination, row) =>
        {
            try
            {
                floats(ref image);
            }
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                // Upstream transforms (LoadImages, ...) fail for one row: name it, keep their message.
                throw new InvalidDataException($"row {row}{describeRow?.Invoke()}: reading column '{features.Name}' failed: {e.Message}", e);
            }
            if (image.Length != elements)
                throw new InvalidDataException($"row {row}: features column '{features.Name}' has {image.Length} values, expected {elements} ({channels}x{height}x{width})");
            image.GetValues().CopyTo(destination);
        };
    }
}

/// <summary>
/// One rank's share of a pass over <see cref="Rows"/> rows, dealt as torch.utils.data.DistributedSampler
/// deals it: the rows at positions Rank, Rank + WorldSize, ... of the pass's order; with
/// <see cref="Pad"/>, the order is first extended by its own first rows to a multiple of WorldSize,
/// so every rank gets the same number of rows (and of training steps).
/// </summary>
internal sealed record DataShard(int Rank, int WorldSize, long Rows, bool Pad)
{
    public bool Takes(long position) => position % WorldSize == Rank;

    /// <summary>The position of the row this rank takes again at the end of the pass as padding, or -1.</summary>
    public long PaddingPosition => Pad && Rows % WorldSize != 0 && Rank >= Rows % WorldSize ? Rank - Rows % WorldSize : -1;
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

    private readonly DataShard? shard;

    /// <summary>
    /// Starts reading <paramref name="data"/> in the order <paramref name="order"/> gives (the data's own
    /// order when null), all of it or, with <paramref name="shard"/>, this rank's share.
    /// </summary>
    public BatchProducer(IDataView data, TrainingInput input, int batchSize, Random? order, CancellationToken cancellation, bool skipUnreadableImages = false, DataShard? shard = null)
    {
        this.shard = shard;
        this.skipUnreadableImages = skipUnreadableImages;
        for (int i = 0; i < PoolSize; i++) free.Add(new ImageBatch(batchSize, input.ImageElements));
        var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cancellation).Token;
        worker = Task.Factory.StartNew(() => Produce(data, input, batchSize, order, linked), linked, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Produce(IDataView data, TrainingInput input, int batchSize, Random? order, CancellationToken token)
    {
        // The columns were resolved on the trainer's input schema; the view read here may be another one
        // with the same names (ML.NET's cache drops columns it cannot hold, a validation set has its own order).
        input = input with { Features = data.Schema[input.Features.Name], Label = data.Schema[input.Label.Name] };
        try
        {
            // One cursor, not ML.NET's split-and-consolidate set: a row whose image cannot be read then fails
            // alone, at its own getter call, so the error names the row and skipping it leaves the cursor usable.
            // The row's text columns (an image path, say) are read only to name a row that fails.
            var identifying = data.Schema.Where(c => !c.IsHidden && c.Type is TextDataViewType).ToArray();
            using var cursor = data.GetRowCursorSet(identifying.Append(input.Features).Append(input.Label), 1, order).Single();
            var features = ImageReader.Create(cursor, input, () => Describe(cursor, identifying));
            var labels = cursor.GetGetter<uint>(input.Label);
            uint key = 0;
            var classes = input.ClassNames.Count;
            ImageBatch? batch = null;
            var paddingPosition = shard?.PaddingPosition ?? -1;
            float[]? paddingImage = null;
            long paddingLabel = -1;
            // Reads the current row into destination and returns its 0-based label, or -1 when it is skipped as unreadable.
            long ReadRow(Span<float> destination, long row)
            {
                labels(ref key);
                if (key == 0 || key > classes)
                    throw new InvalidDataException($"row {row}: label column '{input.Label.Name}' has a missing or out-of-range key ({key}); labels must be keys 1..{classes}");
                try
                {
                    features(destination, row);
                }
                catch (Exception e) when (skipUnreadableImages && e is InvalidDataException or InvalidOperationException)
                {
                    Interlocked.Increment(ref skipped);
                    return -1;
                }
                return key - 1;
            }
            // A shard's batches each hold batchSize of its rows, counting rows skipped as unreadable, so that
            // every rank takes the same number of steps; a batch whose rows were all unreadable comes out
            // empty, and the rank takes its step with nothing to add.
            long dealt = 0;
            void Add(ImageBatch current)
            {
                var full = shard is null ? current.Count == batchSize : ++dealt % batchSize == 0;
                if (!full) return;
                ready.Add(current, token);
                batch = null;
            }
            for (long row = 0; cursor.MoveNext(); row++)
            {
                if (row == paddingPosition)
                {
                    paddingImage = new float[input.ImageElements];
                    paddingLabel = ReadRow(paddingImage, row);
                }
                if (shard is not null && !shard.Takes(row)) continue;
                batch ??= TakeFree(token);
                var label = ReadRow(batch.Images.AsSpan(batch.Count * input.ImageElements, input.ImageElements), row);
                if (label >= 0) batch.Labels[batch.Count++] = label;
                else if (shard is null) continue;
                Add(batch);
            }
            if (paddingImage is not null)
            {
                batch ??= TakeFree(token);
                if (paddingLabel >= 0)
                {
                    paddingImage.CopyTo(batch.Images.AsSpan(batch.Count * input.ImageElements, input.ImageElements));
                    batch.Labels[batch.Count++] = paddingLabel;
                }
                Add(batch);
            }
            if (batch is not null && (batch.Count > 0 || shard is not null)) ready.Add(batch, token);
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

    /// <summary>" (ImagePath '...')": the current row's text columns, for an error message.</summary>
    private static string Describe(DataViewRow cursor, IReadOnlyList<DataViewSchema.Column> columns)
    {
        var parts = new List<string>();
        foreach (var column in columns)
        {
            ReadOnlyMemory<char> value = default;
            cursor.GetGetter<ReadOnlyMemory<char>>(column)(ref value);
            parts.Add($"{column.Name} '{value}'");
        }
        return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
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
