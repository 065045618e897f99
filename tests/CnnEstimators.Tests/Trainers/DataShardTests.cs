using System.Text.Json;
using CnnMl.Models.Tests;
using Microsoft.ML.Data;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// Each rank's share of an epoch, read through <see cref="BatchProducer"/>, against the indices
/// PyTorch's DistributedSampler deals (tests/python/distributed_sampler_reference.py): the same rows
/// in the same order, padding included, for row counts that divide by the world size and that do not.
/// </summary>
[TestClass]
public sealed class DataShardTests
{
    private sealed class NumberedRow
    {
        [VectorType(1, 2, 2)]
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }

    /// <summary>Rows whose pixels all hold the row's number, labelled by the number modulo 3 (LoadFromEnumerable makes the 0-based values keys 1..3).</summary>
    private static (IDataView Data, TrainingInput Input) Numbered(MLContext ml, int rows)
    {
        var schema = SchemaDefinition.Create(typeof(NumberedRow));
        schema["Label"].ColumnType = new KeyDataViewType(typeof(uint), 3);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new NumberedRow { Features = [i, i, i, i], Label = (uint)(i % 3) }).ToList(), schema);
        return (data, new TrainingInput(data.Schema["Features"], data.Schema["Label"], 1, 2, 2, ["a", "b", "c"], false));
    }

    [TestMethod]
    public void EachRankReadsTheRowsDistributedSamplerDealsIt()
    {
        string[] cases = ["12,2", "13,2", "10,3", "11,4", "9,4", "8,8"];
        var reference = JsonSerializer.Deserialize<Dictionary<string, int[][]>>(PythonReference.Run("distributed_sampler_reference.py", 120, cases))!;
        var ml = new MLContext(seed: 1);
        foreach (var key in cases)
        {
            var parts = key.Split(',').Select(int.Parse).ToArray();
            var (rows, world) = (parts[0], parts[1]);
            var (data, input) = Numbered(ml, rows);
            for (int rank = 0; rank < world; rank++)
            {
                var read = new List<int>();
                using (var producer = new BatchProducer(data, input, batchSize: 2, order: null, CancellationToken.None, shard: new DataShard(rank, world, rows, Pad: true)))
                    foreach (var batch in producer.Batches())
                    {
                        for (int i = 0; i < batch.Count; i++)
                        {
                            read.Add((int)batch.Images[i * 4]);
                            Assert.AreEqual(read[^1] % 3, batch.Labels[i], "the label travels with its row");
                        }
                        producer.Release(batch);
                    }
                CollectionAssert.AreEqual(reference[key][rank], read, $"{rows} rows, {world} ranks, rank {rank}: [{string.Join(", ", read)}]");
            }
        }
    }

    private sealed class RaggedRow
    {
        public float[] Features { get; set; } = [];

        [KeyType(3)]
        public uint Label { get; set; }
    }

    /// <summary>
    /// With unreadable images skipped, each rank still gets the same number of batches (a batch holds
    /// its share of rows, readable or not), so no rank waits for a step the others never take.
    /// </summary>
    [TestMethod]
    public void SkippedImagesLeaveEveryRankTheSameNumberOfBatches()
    {
        var ml = new MLContext(seed: 1);
        // Row 2 has too few pixels: unreadable. Rank 0 takes positions 0, 2, 4, 6, 8 and rank 1 positions 1, 3, 5, 7, 9;
        // counting only readable rows, rank 0 would fill one batch of 4 and rank 1 two batches (4 and 1).
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new RaggedRow { Features = i == 2 ? [i] : [i, i, i, i], Label = (uint)(i % 3) }).ToList());
        var input = new TrainingInput(data.Schema["Features"], data.Schema["Label"], 1, 2, 2, ["a", "b", "c"], false);
        var counts = new List<int[]>();
        for (int rank = 0; rank < 2; rank++)
        {
            using var producer = new BatchProducer(data, input, batchSize: 4, order: null, CancellationToken.None, skipUnreadableImages: true, shard: new DataShard(rank, 2, 10, Pad: true));
            var sizes = new List<int>();
            foreach (var batch in producer.Batches())
            {
                sizes.Add(batch.Count);
                producer.Release(batch);
            }
            Assert.AreEqual(rank == 0 ? 1 : 0, producer.SkippedImages, $"rank {rank}'s skipped rows");
            counts.Add([.. sizes]);
        }
        CollectionAssert.AreEqual(new[] { 3, 1 }, counts[0], "rank 0: positions 0, (2), 4, 6 | 8");
        CollectionAssert.AreEqual(new[] { 4, 1 }, counts[1], "rank 1: positions 1, 3, 5, 7 | 9");
    }

    [TestMethod]
    public void WithoutPaddingTheRanksReadEveryRowOnce()
    {
        var ml = new MLContext(seed: 1);
        const int Rows = 11, World = 3;
        var (data, input) = Numbered(ml, Rows);
        var all = new List<int>();
        for (int rank = 0; rank < World; rank++)
        {
            using var producer = new BatchProducer(data, input, batchSize: 4, order: null, CancellationToken.None, shard: new DataShard(rank, World, 0, Pad: false));
            foreach (var batch in producer.Batches())
            {
                for (int i = 0; i < batch.Count; i++) all.Add((int)batch.Images[i * 4]);
                producer.Release(batch);
            }
        }
        CollectionAssert.AreEquivalent(Enumerable.Range(0, Rows).ToList(), all);
    }
}
