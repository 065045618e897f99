using CnnMl.Data;

namespace CnnMl.Core.Tests.Data;

[TestClass]
public sealed class DataOperationsTests
{
    public sealed class Row
    {
        [ColumnName("Id")]
        public int Number { get; set; }

        public string Name { get; set; } = "";

        [VectorType(2, 3)]
        public float[] Values { get; set; } = new float[6];

        [KeyType(5)]
        public uint Category { get; set; }

        [NoColumn]
        public string Ignored { get; set; } = "not a column";

        public bool Flag { get; set; }
    }

    private static List<Row> Rows(int count) => Enumerable.Range(0, count).Select(i => new Row
    {
        Number = i,
        Name = $"row{i}",
        Values = Enumerable.Range(0, 6).Select(j => (float)(i * 10 + j)).ToArray(),
        Category = (uint)(i % 5 + 1),
        Flag = i % 2 == 0,
    }).ToList();

    [TestMethod]
    public void LoadFromEnumerableHonoursAttributes()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(3));
        var schema = data.Schema;
        CollectionAssert.AreEqual(new[] { "Id", "Name", "Values", "Category", "Flag" }, schema.Select(c => c.Name).ToArray());
        Assert.AreEqual(NumberDataViewType.Int32, schema["Id"].Type);
        Assert.AreEqual(TextDataViewType.Instance, schema["Name"].Type);
        var vector = (VectorDataViewType)schema["Values"].Type;
        CollectionAssert.AreEqual(new[] { 2, 3 }, vector.Dimensions.ToArray());
        Assert.AreEqual(6, vector.Size);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 5), schema["Category"].Type);
        Assert.AreEqual(BooleanDataViewType.Instance, schema["Flag"].Type);
        Assert.AreEqual(3L, data.GetRowCount());
        Assert.IsTrue(data.CanShuffle);
    }

    [TestMethod]
    public void CreateEnumerableRoundTripsEveryColumn()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(4);
        var back = ml.Data.CreateEnumerable<Row>(ml.Data.LoadFromEnumerable(rows), reuseRowObject: false).ToList();
        Assert.AreEqual(4, back.Count);
        for (int i = 0; i < 4; i++)
        {
            Assert.AreEqual(rows[i].Number, back[i].Number);
            Assert.AreEqual(rows[i].Name, back[i].Name);
            CollectionAssert.AreEqual(rows[i].Values, back[i].Values);
            Assert.AreEqual(rows[i].Category, back[i].Category);
            Assert.AreEqual(rows[i].Flag, back[i].Flag);
            Assert.AreEqual("not a column", back[i].Ignored);
        }
        var reused = ml.Data.CreateEnumerable<Row>(ml.Data.LoadFromEnumerable(rows), reuseRowObject: true).ToList();
        Assert.AreSame(reused[0], reused[3], "reuseRowObject refills one object");
    }

    [TestMethod]
    public void WrongVectorLengthNamesColumnAndRow()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(3);
        rows[2].Values = new float[5];
        var data = ml.Data.LoadFromEnumerable(rows);
        var e = Assert.ThrowsException<InvalidDataException>(() => ml.Data.CreateEnumerable<Row>(data, reuseRowObject: false).ToList());
        StringAssert.Contains(e.Message, "'Values'");
        StringAssert.Contains(e.Message, "row 2");
    }

    [TestMethod]
    public void UnknownColumnListsTheColumnsThatExist()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(2));
        var e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => data.Schema["Missing"]);
        StringAssert.Contains(e.Message, "'Missing'");
        StringAssert.Contains(e.Message, "'Name'");
    }

    [TestMethod]
    public void TakeSkipAndFilterRows()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(10));
        int[] Ids(IDataView view) => ml.Data.CreateEnumerable<Row>(view, reuseRowObject: false).Select(r => r.Number).ToArray();
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, Ids(ml.Data.TakeRows(data, 3)));
        CollectionAssert.AreEqual(new[] { 7, 8, 9 }, Ids(ml.Data.SkipRows(data, 7)));
        CollectionAssert.AreEqual(new[] { 2, 3, 4 }, Ids(ml.Data.FilterRowsByColumn(data, "Id", 2, 5)));
        CollectionAssert.AreEqual(new[] { 1, 6 }, Ids(ml.Data.FilterRowsByColumn(data, "Category", 2, 3)), "key columns filter by their key value");
        Assert.AreEqual(3L, ml.Data.TakeRows(data, 3).GetRowCount());
        var e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.Data.FilterRowsByColumn(data, "Name", 0, 1));
        StringAssert.Contains(e.Message, "'Name'");
    }

    [TestMethod]
    public void TrainTestSplitIsDisjointCompleteAndSeeded()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(1000));
        int[] Ids(IDataView view) => ml.Data.CreateEnumerable<Row>(view, reuseRowObject: false).Select(r => r.Number).ToArray();
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 5);
        var train = Ids(split.TrainSet);
        var test = Ids(split.TestSet);
        Assert.AreEqual(0, train.Intersect(test).Count());
        Assert.IsNull(split.TestSet.GetRowCount(), "a split's row count is not known without a pass");
        Assert.AreEqual(1000, train.Length + test.Length);
        Assert.IsTrue(test.Length is > 150 and < 250, $"test fraction 0.2 gave {test.Length} of 1000");
        CollectionAssert.AreEqual(test, Ids(ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 5).TestSet), "same seed, same split");
        CollectionAssert.AreNotEqual(test, Ids(ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 6).TestSet), "another seed, another split");

        var grouped = ml.Data.TrainTestSplit(data, testFraction: 0.4, samplingKeyColumnName: "Category", seed: 3);
        var testCategories = ml.Data.CreateEnumerable<Row>(grouped.TestSet, reuseRowObject: false).Select(r => r.Category).ToHashSet();
        var trainCategories = ml.Data.CreateEnumerable<Row>(grouped.TrainSet, reuseRowObject: false).Select(r => r.Category).ToHashSet();
        Assert.AreEqual(0, testCategories.Intersect(trainCategories).Count(), "rows with the same sampling key stay on one side");
    }

    [TestMethod]
    public void ShuffleRowsIsASeededPermutation()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(50));
        int[] Ids(IDataView view) => ml.Data.CreateEnumerable<Row>(view, reuseRowObject: false).Select(r => r.Number).ToArray();
        var a = Ids(ml.Data.ShuffleRows(data, seed: 4));
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 50).ToArray(), a);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 50).ToArray(), a);
        CollectionAssert.AreEqual(a, Ids(ml.Data.ShuffleRows(data, seed: 4)));
        // A source that cannot shuffle (a filtered view) is cached first, then shuffled.
        var filtered = ml.Data.FilterRowsByColumn(data, "Id", 10, 40);
        CollectionAssert.AreEquivalent(Enumerable.Range(10, 30).ToArray(), Ids(ml.Data.ShuffleRows(filtered, seed: 4)));
    }

    [TestMethod]
    public void CacheComputesEachRowOnceAndKeepsValues()
    {
        var ml = new MLContext(seed: 1);
        var calls = 0;
        var rows = Rows(20);
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => { calls++; return r; }));
        var cached = ml.Data.Cache(data);
        var first = ml.Data.CreateEnumerable<Row>(cached, reuseRowObject: false).ToList();
        var second = ml.Data.CreateEnumerable<Row>(cached, reuseRowObject: true).Select(r => r.Values.Sum()).ToList();
        Assert.AreEqual(20, calls, "the source is read once");
        CollectionAssert.AreEqual(first.Select(r => r.Values.Sum()).ToList(), second);
        Assert.IsTrue(cached.CanShuffle);
    }

    [TestMethod]
    public void TransformsAreLazy()
    {
        var ml = new MLContext(seed: 1);
        var reads = 0;
        var data = ml.Data.LoadFromEnumerable(Rows(100).Select(r => { reads++; return r; }));
        var transformed = ml.Transforms.CopyColumns("Copy", "Values").Fit(data).Transform(data);
        Assert.AreEqual(0, reads, "building the pipeline reads nothing");
        using var cursor = transformed.GetRowCursor(transformed.Schema);
        cursor.MoveNext();
        cursor.MoveNext();
        Assert.AreEqual(2, reads, "a cursor reads rows only as it moves");
    }
}
