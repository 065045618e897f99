using System.IO.Compression;
using CnnMl.Core.Tests.Support;
using CnnMl.Data;

namespace CnnMl.Core.Tests.Model;

[TestClass]
public sealed class ModelFileTests
{
    [ClassInitialize]
    public static void Register(TestContext _) => TestPipeline.EnsureRegistered();

    internal static (ITransformer Model, IDataView Data) Fitted(int rows = 120)
    {
        var context = new MLContext(seed: 3);
        var data = context.Data.LoadFromEnumerable(TestPipeline.Clusters(rows, seed: 8));
        return (TestPipeline.Estimator().Fit(data), data);
    }

    internal static List<ScoreRow> Scores(ITransformer model, IDataView data) =>
        new MLContext().Data.CreateEnumerable<ScoreRow>(model.Transform(data), reuseRowObject: false).ToList();

    internal static void AssertSameScores(List<ScoreRow> expected, List<ScoreRow> actual)
    {
        Assert.AreEqual(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            CollectionAssert.AreEqual(expected[i].Score, actual[i].Score, $"row {i} scores");
            Assert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel, $"row {i} predicted label");
        }
    }

    [TestMethod]
    public void SaveLoad_ChainRoundTrip_GivesIdenticalOutputAndSchema()
    {
        var (model, data) = Fitted();
        using var folder = new TempFolder();
        var path = folder.File("model.zip");
        new MLContext().Model.Save(model, data.Schema, path);

        var loaded = new MLContext().Model.Load(path, out var schema);
        AssertSameScores(Scores(model, data), Scores(loaded, data));
        Assert.IsInstanceOfType<TransformerChain<ITransformer>>(loaded);
        Assert.AreEqual(3, ((TransformerChain<ITransformer>)loaded).Count());

        Assert.AreEqual(data.Schema.Count, schema.Count);
        for (int i = 0; i < schema.Count; i++)
        {
            Assert.AreEqual(data.Schema[i].Name, schema[i].Name);
            Assert.AreEqual(data.Schema[i].Type, schema[i].Type, schema[i].Name);
        }
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), schema["Features"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), schema["Label"].Type);

        using var zip = ZipFile.OpenRead(path);
        CollectionAssert.AreEquivalent(new[] { "manifest.json", "model/2/centroids.bin" }, zip.Entries.Select(e => e.FullName).ToArray());
    }

    [TestMethod]
    public void InputSchema_KeepsKeyValuesAndVectorDims()
    {
        var (model, data) = Fitted();
        var withNames = model.Transform(data);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(withNames.Schema);
        builder.AddColumn("Pixels", new VectorDataViewType(NumberDataViewType.Single, 3, 8, 8));
        builder.AddColumn("Flag", BooleanDataViewType.Instance);
        builder.AddColumn("Id", NumberDataViewType.Int64);
        var schema = builder.ToSchema();

        using var stream = new MemoryStream();
        new MLContext().Model.Save(model, schema, stream);
        stream.Position = 0;
        new MLContext().Model.Load(stream, out var loaded);

        Assert.AreEqual(schema.Count, loaded.Count);
        for (int i = 0; i < schema.Count; i++) Assert.AreEqual(schema[i].Type, loaded[i].Type, schema[i].Name);
        CollectionAssert.AreEqual(new[] { 3, 8, 8 }, ((VectorDataViewType)loaded["Pixels"].Type).Dimensions.ToArray());
        VBuffer<ReadOnlyMemory<char>> names = default;
        loaded["Label"].Annotations.GetValue(AnnotationKinds.KeyValues, ref names);
        CollectionAssert.AreEqual(TestPipeline.ClassNames, names.DenseValues().Select(n => n.ToString()).ToArray());
        var labels = loaded.Where(c => c.Name == "Label").ToArray();
        Assert.AreEqual(2, labels.Length);
        Assert.IsTrue(labels[0].IsHidden, "the shadowed Label column stays hidden");
        Assert.IsFalse(labels[1].IsHidden);
    }

    [TestMethod]
    public void Save_IsAtomic_AndLeavesNoTemporaryFiles()
    {
        var (model, data) = Fitted();
        using var folder = new TempFolder();
        var path = folder.File("model.zip");
        var context = new MLContext();
        context.Model.Save(model, data.Schema, path);
        var first = File.ReadAllBytes(path);

        // A model whose Save fails leaves the previous file as it was.
        var failing = new TransformerChain<ITransformer>(model, new FailingTransformer());
        Assert.ThrowsException<IOException>(() => context.Model.Save(failing, data.Schema, path));
        CollectionAssert.AreEqual(first, File.ReadAllBytes(path));

        context.Model.Save(model, data.Schema, path);
        CollectionAssert.AreEqual(new[] { "model.zip" }, Directory.GetFiles(folder.Path).Select(Path.GetFileName).ToArray());
        context.Model.Load(path, out _);
    }

    [TestMethod]
    public void SavedModel_LoadsInAFreshContext_FromTheFileAlone()
    {
        using var folder = new TempFolder();
        var path = folder.File("model.zip");
        List<ScoreRow> expected;
        {
            var (model, data) = Fitted();
            new MLContext(seed: 1).Model.Save(model, data.Schema, path);
            expected = Scores(model, data);
        }
        GC.Collect();
        var fresh = new MLContext(seed: 99);
        var loaded = fresh.Model.Load(path, out var schema);
        var freshData = fresh.Data.LoadFromEnumerable(TestPipeline.Clusters(120, seed: 8));
        Assert.AreEqual(schema["Features"].Type, freshData.Schema["Features"].Type);
        AssertSameScores(expected, Scores(loaded, freshData));
    }

    [TestMethod]
    public void Load_MissingFile_IsFileNotFound()
    {
        using var folder = new TempFolder();
        Assert.ThrowsException<FileNotFoundException>(() => new MLContext().Model.Load(folder.File("missing.zip"), out _));
    }

    private sealed class FailingTransformer : ITransformer
    {
        public bool IsRowToRowMapper => true;
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;
        public IDataView Transform(IDataView input) => input;
        public void Save(CnnMl.Model.ModelSaveContext ctx) => throw new IOException("disk full (simulated)");
    }
}
