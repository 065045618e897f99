using CnnMl.Data;
using CnnMl.Transforms;

namespace CnnMl.Core.Tests.Transforms;

[TestClass]
public sealed class ConversionTransformTests
{
    public sealed class Fruit
    {
        public string Label { get; set; } = "";
        public float Weight { get; set; }

        [VectorType(2)]
        public float[] Size { get; set; } = new float[2];
    }

    private static List<Fruit> Fruits() => new()
    {
        new() { Label = "pear", Weight = 1, Size = new[] { 1f, 2f } },
        new() { Label = "apple", Weight = 2, Size = new[] { 3f, 4f } },
        new() { Label = "pear", Weight = 3, Size = new[] { 5f, 6f } },
        new() { Label = "fig", Weight = 4, Size = new[] { 7f, 8f } },
    };

    private static T[] Column<T>(IDataView data, string name)
    {
        var column = data.Schema[name];
        using var cursor = data.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<T>(column);
        var values = new List<T>();
        while (cursor.MoveNext())
        {
            // A fresh value per row: getters may reuse the storage of the buffer they are given.
            T value = default!;
            getter(ref value);
            values.Add(value);
        }
        return values.ToArray();
    }

    private static string[] KeyValues(DataViewSchema.Column column)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.Annotations.GetValue(AnnotationKinds.KeyValues, ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    [TestMethod]
    public void MapValueToKeyByOccurrenceAndByValue()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Fruits());
        var byOccurrence = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), byOccurrence.Schema["Label"].Type);
        CollectionAssert.AreEqual(new[] { "pear", "apple", "fig" }, KeyValues(byOccurrence.Schema["Label"]));
        CollectionAssert.AreEqual(new uint[] { 1, 2, 1, 3 }, Column<uint>(byOccurrence, "Label"));

        var byValue = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(data).Transform(data);
        CollectionAssert.AreEqual(new[] { "apple", "fig", "pear" }, KeyValues(byValue.Schema["Label"]));
        CollectionAssert.AreEqual(new uint[] { 3, 1, 3, 2 }, Column<uint>(byValue, "Label"));
    }

    [TestMethod]
    public void UnseenValuesMapToMissingAndKeysMapBack()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Fruits());
        var toKey = ml.Transforms.Conversion.MapValueToKey("Key", "Label").Fit(data);
        var other = ml.Data.LoadFromEnumerable(new List<Fruit> { new() { Label = "kiwi" }, new() { Label = "fig" } });
        CollectionAssert.AreEqual(new uint[] { 0, 3 }, Column<uint>(toKey.Transform(other), "Key"));

        var back = ml.Transforms.Conversion.MapKeyToValue("Back", "Key").Fit(toKey.Transform(data)).Transform(toKey.Transform(data));
        CollectionAssert.AreEqual(new[] { "pear", "apple", "pear", "fig" }, Column<ReadOnlyMemory<char>>(back, "Back").Select(v => v.ToString()).ToArray());

        var numeric = ml.Transforms.Conversion.MapValueToKey("WeightKey", "Weight").Fit(data).Transform(data);
        CollectionAssert.AreEqual(new uint[] { 1, 2, 3, 4 }, Column<uint>(numeric, "WeightKey"));
    }

    [TestMethod]
    public void ColumnTransformsCopyConcatenateDropSelect()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Fruits());
        var pipeline = ml.Transforms.CopyColumns("Copy", "Weight")
            .Append(ml.Transforms.Concatenate("All", "Weight", "Size", "Copy"))
            .Append(ml.Transforms.DropColumns("Copy"));
        var result = pipeline.Fit(data).Transform(data);
        Assert.IsNull(result.Schema.GetColumnOrNull("Copy"));
        Assert.AreEqual(4, ((VectorDataViewType)result.Schema["All"].Type).Size);
        CollectionAssert.AreEqual(new[] { 1f, 1f, 2f, 1f }, Column<VBuffer<float>>(result, "All")[0].GetValues().ToArray());
        var selected = ml.Transforms.SelectColumns("All", "Label").Fit(result).Transform(result);
        CollectionAssert.AreEqual(new[] { "All", "Label" }, selected.Schema.Select(c => c.Name).ToArray());

        var wrongType = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.Transforms.Concatenate("X", "Weight", "Label").Fit(data));
        StringAssert.Contains(wrongType.Message, "'Label'");
        var missing = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.Transforms.DropColumns("Nope").Fit(data));
        StringAssert.Contains(missing.Message, "'Nope'");
        StringAssert.Contains(missing.Message, "'Weight'");
    }

    [TestMethod]
    public void ConversionAndColumnTransformsRoundTripThroughModelFiles()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Fruits());
        var model = ml.Transforms.Conversion.MapValueToKey("Key", "Label")
            .Append(ml.Transforms.Conversion.MapKeyToValue("Back", "Key"))
            .Append(ml.Transforms.CopyColumns("Copy", "Weight"))
            .Append(ml.Transforms.Concatenate("All", "Weight", "Size"))
            .Append(ml.Transforms.DropColumns("Copy"))
            .Fit(data);
        var path = Path.Combine(Path.GetTempPath(), $"cnnml-conversion-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            var expected = model.Transform(data);
            var actual = loaded.Transform(data);
            CollectionAssert.AreEqual(expected.Schema.Select(c => c.Name).ToArray(), actual.Schema.Select(c => c.Name).ToArray());
            CollectionAssert.AreEqual(Column<uint>(expected, "Key"), Column<uint>(actual, "Key"));
            CollectionAssert.AreEqual(KeyValues(expected.Schema["Key"]), KeyValues(actual.Schema["Key"]));
            CollectionAssert.AreEqual(Column<ReadOnlyMemory<char>>(expected, "Back").Select(v => v.ToString()).ToArray(), Column<ReadOnlyMemory<char>>(actual, "Back").Select(v => v.ToString()).ToArray());
            CollectionAssert.AreEqual(Column<VBuffer<float>>(expected, "All").SelectMany(v => v.GetValues().ToArray()).ToArray(), Column<VBuffer<float>>(actual, "All").SelectMany(v => v.GetValues().ToArray()).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
