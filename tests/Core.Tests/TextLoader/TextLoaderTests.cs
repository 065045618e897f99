using CnnMl.Core.Tests.Support;
using CnnMl.Data;

namespace CnnMl.Core.Tests.TextLoading;

public sealed class IrisRow
{
    [LoadColumn(0)]
    [ColumnName("Label")]
    public string Species { get; set; } = "";

    [LoadColumn(1, 4)]
    [VectorType(4)]
    public float[] Features { get; set; } = Array.Empty<float>();

    [LoadColumn(5)]
    [KeyType(3)]
    public uint Group { get; set; }

    [LoadColumn(6)]
    public bool Flag { get; set; }

    [LoadColumn(new[] { 8, 7 })]
    public int[] Pair { get; set; } = Array.Empty<int>();
}

public sealed class IrisOut
{
    public string Label { get; set; } = "";
    public float[] Features { get; set; } = Array.Empty<float>();
    public uint Group { get; set; }
    public bool Flag { get; set; }
    public int[] Pair { get; set; } = Array.Empty<int>();
}

public sealed class NoLoadColumnRow
{
    [LoadColumn(0)]
    public float A { get; set; }

    public float B { get; set; }
}

public sealed class ShapedRow
{
    [LoadColumn(0, 5)]
    [VectorType(2, 3)]
    public float[] Pixels { get; set; } = Array.Empty<float>();
}

[TestClass]
public sealed class TextLoaderTests
{
    private static string Write(TempFolder folder, params string[] lines)
    {
        var path = folder.File("data.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    [TestMethod]
    public void Typed_HonoursLoadColumnColumnNameVectorTypeKeyType()
    {
        using var folder = new TempFolder();
        var path = Write(folder, "species,a,b,c,d,group,flag,x,y", "setosa,5.1,3.5,1.4,0.2,0,true,1,2", "", "// a comment", "virginica,6.3,3.3,6.0,2.5,2,0,3,4");
        var context = new MLContext();
        var data = context.Data.LoadFromTextFile<IrisRow>(path, separatorChar: ',', hasHeader: true);
        Assert.AreEqual(TextDataViewType.Instance, data.Schema["Label"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), data.Schema["Features"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), data.Schema["Group"].Type);
        Assert.AreEqual(BooleanDataViewType.Instance, data.Schema["Flag"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Int32, 2), data.Schema["Pair"].Type);
        Assert.IsNull(data.GetRowCount(), "the file is not read to count rows");

        var rows = context.Data.CreateEnumerable<IrisOut>(data, reuseRowObject: false).ToList();
        Assert.AreEqual(2, rows.Count);
        Assert.AreEqual("setosa", rows[0].Label);
        CollectionAssert.AreEqual(new[] { 5.1f, 3.5f, 1.4f, 0.2f }, rows[0].Features);
        Assert.AreEqual(1u, rows[0].Group, "text key 0 is key 1");
        Assert.AreEqual(3u, rows[1].Group);
        Assert.IsTrue(rows[0].Flag);
        Assert.IsFalse(rows[1].Flag);
        CollectionAssert.AreEqual(new[] { 2, 1 }, rows[0].Pair, "fields in the order [LoadColumn] lists them");
        Assert.AreEqual("virginica", rows[1].Label);
    }

    [TestMethod]
    public void VectorTypeDimensionsAreKept()
    {
        using var folder = new TempFolder();
        var path = Write(folder, "1\t2\t3\t4\t5\t6");
        var data = new MLContext().Data.LoadFromTextFile<ShapedRow>(path);
        CollectionAssert.AreEqual(new[] { 2, 3 }, ((VectorDataViewType)data.Schema["Pixels"].Type).Dimensions.ToArray());
    }

    [TestMethod]
    public void Columns_WithDataKindRangesAndKeyCount()
    {
        using var folder = new TempFolder();
        var path = Write(folder, "7;0.5;1.5;2.5;b", "8;?;;NaN;a");
        var context = new MLContext();
        var columns = new[]
        {
            new TextLoader.Column("Id", DataKind.Int64, 0),
            new TextLoader.Column("Features", DataKind.Double, 1, 3),
            new TextLoader.Column("Name", DataKind.String, 4),
            new TextLoader.Column("IdKey", DataKind.UInt32, new[] { new TextLoader.Range(0) }, new KeyCount(10)),
        };
        var data = context.Data.LoadFromTextFile(path, columns, separatorChar: ';');
        Assert.AreEqual(NumberDataViewType.Int64, data.Schema["Id"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Double, 3), data.Schema["Features"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), data.Schema["IdKey"].Type);
        using var cursor = data.GetRowCursor(data.Schema);
        var id = cursor.GetGetter<long>(data.Schema["Id"]);
        var features = cursor.GetGetter<VBuffer<double>>(data.Schema["Features"]);
        var name = cursor.GetGetter<ReadOnlyMemory<char>>(data.Schema["Name"]);
        var key = cursor.GetGetter<uint>(data.Schema["IdKey"]);
        long i = 0;
        VBuffer<double> f = default;
        ReadOnlyMemory<char> n = default;
        uint k = 0;
        Assert.IsTrue(cursor.MoveNext());
        id(ref i);
        features(ref f);
        name(ref n);
        key(ref k);
        Assert.AreEqual(7L, i);
        CollectionAssert.AreEqual(new[] { 0.5, 1.5, 2.5 }, f.DenseValues().ToArray());
        Assert.AreEqual("b", n.ToString());
        Assert.AreEqual(8u, k);
        Assert.IsTrue(cursor.MoveNext());
        features(ref f);
        Assert.IsTrue(double.IsNaN(f.GetItemOrDefault(0)), "? is NaN");
        Assert.AreEqual(0.0, f.GetItemOrDefault(1), "an empty real is 0");
        Assert.IsTrue(double.IsNaN(f.GetItemOrDefault(2)));
        Assert.IsFalse(cursor.MoveNext());

        var nan = context.Data.LoadFromTextFile(path, new TextLoader.Options { Columns = columns, Separators = new[] { ';' }, MissingRealsAsNaNs = true });
        var second = context.Data.CreateEnumerable<FeaturesOnly>(nan, reuseRowObject: false, ignoreMissingColumns: true).ElementAt(1);
        Assert.IsTrue(double.IsNaN(second.Features[1]), "an empty real is NaN with MissingRealsAsNaNs");
    }

    public sealed class FeaturesOnly
    {
        public double[] Features { get; set; } = Array.Empty<double>();
    }

    public sealed class TextPair
    {
        public string A { get; set; } = "";
        public string B { get; set; } = "";
    }

    [TestMethod]
    public void Quoting_AndTrimming()
    {
        using var folder = new TempFolder();
        var path = Write(folder, "\"hello, world\",\"say \"\"hi\"\"\"", "  plain  ,\"\"");
        var context = new MLContext();
        var columns = new[] { new TextLoader.Column("A", DataKind.String, 0), new TextLoader.Column("B", DataKind.String, 1) };
        var rows = context.Data.CreateEnumerable<TextPair>(context.Data.LoadFromTextFile(path, columns, ',', allowQuoting: true, trimWhitespace: true), false).ToList();
        Assert.AreEqual("hello, world", rows[0].A);
        Assert.AreEqual("say \"hi\"", rows[0].B);
        Assert.AreEqual("plain", rows[1].A);
        Assert.AreEqual("", rows[1].B);

        var unquoted = context.Data.CreateEnumerable<TextPair>(context.Data.LoadFromTextFile(path, columns, ','), false).ToList();
        Assert.AreEqual("\"hello", unquoted[0].A, "without allowQuoting a quote is an ordinary character");
        Assert.AreEqual("  plain  ", unquoted[1].A);
    }

    [TestMethod]
    public void IsLazy_TheFileIsReadAsCursorsMove()
    {
        using var folder = new TempFolder();
        var path = Write(folder, "1", "2");
        var context = new MLContext();
        var data = context.Data.LoadFromTextFile(path, new[] { new TextLoader.Column("X", DataKind.Single, 0) });
        File.AppendAllLines(path, new[] { "3", "oops" });
        using var cursor = data.GetRowCursor(data.Schema);
        var x = cursor.GetGetter<float>(data.Schema["X"]);
        float value = 0;
        for (int i = 1; i <= 3; i++)
        {
            Assert.IsTrue(cursor.MoveNext());
            x(ref value);
            Assert.AreEqual(i, value, "lines written after LoadFromTextFile are seen: nothing was read up front");
        }
        Assert.IsTrue(cursor.MoveNext(), "a bad value is not parsed until its getter is called");
        Assert.ThrowsException<InvalidDataException>(() => x(ref value));
    }

    [TestMethod]
    public void BadValue_NamesFileLineAndColumn()
    {
        using var folder = new TempFolder();
        var path = Write(folder, "species,a,b,c,d,group,flag,x,y", "setosa,5.1,3.5,1.4,0.2,0,true,1,2", "setosa,5.1,three,1.4,0.2,0,true,1,2");
        var context = new MLContext();
        var data = context.Data.LoadFromTextFile<IrisRow>(path, ',', hasHeader: true);
        var e = Assert.ThrowsException<InvalidDataException>(() => context.Data.CreateEnumerable<IrisOut>(data, false).ToList());
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "line 3");
        StringAssert.Contains(e.Message, "column 'Features'");
        StringAssert.Contains(e.Message, "(field 2)");
        StringAssert.Contains(e.Message, "'three'");
        StringAssert.Contains(e.Message, "R4");
    }

    [TestMethod]
    public void OtherErrors()
    {
        using var folder = new TempFolder();
        var context = new MLContext();

        var path = Write(folder, "setosa,5.1,3.5,1.4,0.2,3,true,1,2");
        var e = Assert.ThrowsException<InvalidDataException>(() => context.Data.CreateEnumerable<IrisOut>(context.Data.LoadFromTextFile<IrisRow>(path, ','), false).ToList());
        StringAssert.Contains(e.Message, "column 'Group'");
        StringAssert.Contains(e.Message, "zero-based key below 3");

        path = Write(folder, "setosa,5.1,3.5");
        e = Assert.ThrowsException<InvalidDataException>(() => context.Data.CreateEnumerable<IrisOut>(context.Data.LoadFromTextFile<IrisRow>(path, ','), false).ToList());
        StringAssert.Contains(e.Message, "line 1");
        StringAssert.Contains(e.Message, "3 fields");

        path = Write(folder, "ok,1", "\"open,2");
        var columns = new[] { new TextLoader.Column("A", DataKind.String, 0) };
        e = Assert.ThrowsException<InvalidDataException>(() => context.Data.CreateEnumerable<TextPair>(context.Data.LoadFromTextFile(path, columns, ',', allowQuoting: true), false, ignoreMissingColumns: true).ToList());
        StringAssert.Contains(e.Message, "line 2");
        StringAssert.Contains(e.Message, "not closed");

        path = Write(folder, "1\t2");
        e = Assert.ThrowsException<InvalidDataException>(() =>
        {
            var data = context.Data.LoadFromTextFile(path, new[] { new TextLoader.Column("N", DataKind.Byte, 0, 1) });
            using var cursor = data.GetRowCursor(data.Schema);
            cursor.MoveNext();
            VBuffer<byte> v = default;
            cursor.GetGetter<VBuffer<byte>>(data.Schema["N"])(ref v);
            File.WriteAllText(path, "1\t300");
            using var again = data.GetRowCursor(data.Schema);
            again.MoveNext();
            again.GetGetter<VBuffer<byte>>(data.Schema["N"])(ref v);
        });
        StringAssert.Contains(e.Message, "'300'");

        var a = Assert.ThrowsException<ArgumentException>(() => context.Data.LoadFromTextFile<NoLoadColumnRow>(path));
        StringAssert.Contains(a.Message, "NoLoadColumnRow.B");
        StringAssert.Contains(a.Message, "[LoadColumn]");
        Assert.ThrowsException<FileNotFoundException>(() => context.Data.LoadFromTextFile<IrisRow>(folder.File("missing.txt")));
        Assert.ThrowsException<NotSupportedException>(() => context.Data.LoadFromTextFile<IrisRow>(path, allowSparse: true));
        Assert.ThrowsException<NotSupportedException>(() => context.Data.LoadFromTextFile(path, new[] { new TextLoader.Column("T", DataKind.DateTime, 0) }));
    }
}
