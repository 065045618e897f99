using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using CnnMl.Core.Tests.Support;

namespace CnnMl.Core.Tests.Model;

/// <summary>Crafted and damaged model files are refused with an InvalidDataException that names the problem.</summary>
[TestClass]
public sealed class CorruptModelTests
{
    private static byte[] good = Array.Empty<byte>();

    [ClassInitialize]
    public static void Create(TestContext _)
    {
        TestPipeline.EnsureRegistered();
        var (model, data) = ModelFileTests.Fitted();
        using var stream = new MemoryStream();
        new MLContext().Model.Save(model, data.Schema, stream);
        good = stream.ToArray();
    }

    private static InvalidDataException Refused(byte[] bytes, params string[] fragments)
    {
        using var stream = new MemoryStream(bytes);
        var e = Assert.ThrowsException<InvalidDataException>(() => new MLContext().Model.Load(stream, out _));
        foreach (var f in fragments) StringAssert.Contains(e.Message, f);
        return e;
    }

    /// <summary>Rebuilds the zip, mapping each entry (name, content) to a new one or null to drop it, then adding <paramref name="extra"/>.</summary>
    private static byte[] Rewrite(Func<string, byte[], (string, byte[])?> map, params (string Name, byte[] Content)[] extra)
    {
        using var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(good), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                using var content = new MemoryStream();
                using (var s = entry.Open()) s.CopyTo(content);
                if (map(entry.FullName, content.ToArray()) is not var (name, bytes)) continue;
                using var w = target.CreateEntry(name).Open();
                w.Write(bytes);
            }
            foreach (var (name, bytes) in extra)
            {
                using var w = target.CreateEntry(name).Open();
                w.Write(bytes);
            }
        }
        return output.ToArray();
    }

    private static byte[] EditManifest(Action<JsonObject> edit) => Rewrite((name, content) =>
    {
        if (name != "manifest.json") return (name, content);
        var manifest = JsonNode.Parse(content)!.AsObject();
        edit(manifest);
        return (name, Encoding.UTF8.GetBytes(manifest.ToJsonString()));
    });

    /// <summary>Sets the uncompressed size declared for <paramref name="entryName"/> in its local header and the central directory.</summary>
    private static byte[] DeclareSize(string entryName, uint size)
    {
        var bytes = (byte[])good.Clone();
        var name = Encoding.UTF8.GetBytes(entryName);
        int patched = 0;
        for (int i = 0; i + 46 < bytes.Length; i++)
        {
            var signature = BitConverter.ToUInt32(bytes, i);
            if (signature == 0x04034b50 && Matches(bytes, i + 30, BitConverter.ToUInt16(bytes, i + 26), name))
            {
                BitConverter.GetBytes(size).CopyTo(bytes, i + 22);
                patched++;
            }
            else if (signature == 0x02014b50 && Matches(bytes, i + 46, BitConverter.ToUInt16(bytes, i + 28), name))
            {
                BitConverter.GetBytes(size).CopyTo(bytes, i + 24);
                patched++;
            }
        }
        Assert.AreEqual(2, patched, "local header and central directory entry patched");
        return bytes;
    }

    private static bool Matches(byte[] bytes, int at, int length, byte[] name) =>
        length == name.Length && at + length <= bytes.Length && bytes.AsSpan(at, length).SequenceEqual(name);

    [TestMethod]
    public void TheUntouchedFileLoads()
    {
        using var stream = new MemoryStream(good);
        new MLContext().Model.Load(stream, out _);
        Assert.AreEqual(good.Length, Rewrite((n, c) => (n, c)).Length, 200);
    }

    [TestMethod]
    public void Truncated() => Refused(good[..(good.Length / 2)], "zip");

    [TestMethod]
    public void TruncatedByOneByte() => Refused(good[..^1]);

    [TestMethod]
    public void NotAZip() => Refused(Encoding.UTF8.GetBytes("PK this is not a zip file at all"), "zip");

    [TestMethod]
    public void EntryRenamed() =>
        Refused(Rewrite((n, c) => (n == "model/2/centroids.bin" ? "model/2/weights.bin" : n, c)), "model/2/centroids.bin", "missing");

    [TestMethod]
    public void ManifestMissing() => Refused(Rewrite((n, c) => n == "manifest.json" ? null : (n, c)), "manifest.json");

    [TestMethod]
    public void ZipEntryEscapingTheFolder()
    {
        Refused(Rewrite((n, c) => (n, c), ("../evil.txt", new byte[] { 1 })), "../evil.txt", "escapes");
        Refused(Rewrite((n, c) => (n, c), ("model/../../evil.txt", new byte[] { 1 })), "escapes");
        Refused(Rewrite((n, c) => (n, c), ("/etc/cron.d/evil", new byte[] { 1 })), "absolute");
        Refused(Rewrite((n, c) => (n, c), ("model\\2\\evil.bin", new byte[] { 1 })), "backslash");
    }

    [TestMethod]
    public void ManifestEntryNameEscapingTheFolder()
    {
        foreach (var bad in new[] { "../centroids.bin", "..", "a/b.bin", "a\\b.bin", "C:x.bin" })
            Refused(EditManifest(m => m["pipeline"]!["steps"]![2]!["entries"] = new JsonArray(bad)), "not a plain file name");
    }

    [TestMethod]
    public void HugeDeclaredSize()
    {
        Refused(DeclareSize("manifest.json", 0xFFFFFFF0), "manifest.json", "declares");
        Refused(DeclareSize("model/2/centroids.bin", 0xFFFFFFF0), "centroids.bin", "declares");
    }

    [TestMethod]
    public void DeclaredSizeSmallerThanTheData() => Refused(DeclareSize("manifest.json", 10), "manifest.json");

    [TestMethod]
    public void UnknownFormatVersion() => Refused(EditManifest(m => m["formatVersion"] = 99), "version 99", "reads version 1");

    [TestMethod]
    public void MissingFormatVersion() => Refused(EditManifest(m => m.Remove("formatVersion")), "formatVersion");

    [TestMethod]
    public void BadJson()
    {
        Refused(Rewrite((n, c) => n == "manifest.json" ? (n, Encoding.UTF8.GetBytes("{\"formatVersion\": 1, \"pipeline\": {")) : (n, c)), "not valid JSON");
        Refused(Rewrite((n, c) => n == "manifest.json" ? (n, Encoding.UTF8.GetBytes("[1, 2]")) : (n, c)), "not a JSON object");
    }

    [TestMethod]
    public void UnknownKind() => Refused(EditManifest(m => m["pipeline"]!["steps"]![1]!["kind"] = "Evil.Deserializer"), "unknown kind 'Evil.Deserializer'", "TransformerChain");

    [TestMethod]
    public void MalformedStepsAndSchema()
    {
        Refused(EditManifest(m => m["pipeline"]!["steps"] = new JsonObject()), "'steps' is not an array");
        Refused(EditManifest(m => m["pipeline"]!["steps"]![0]!.AsObject().Remove("kind")), "lacks a 'kind'");
        Refused(EditManifest(m => m["pipeline"]!["steps"]![0]!["options"] = 5), "'options' is not an object");
        Refused(EditManifest(m => m["inputSchema"]![0]!["type"] = "Quaternion"), "unknown type 'Quaternion'");
        Refused(EditManifest(m => m["inputSchema"]![1]!["dims"] = new JsonArray(-4)), "dimension");
    }

    [TestMethod]
    public void LoaderErrorsAreReportedAsInvalidData()
    {
        // The options are well-formed JSON but not what the step needs; the loader's error is wrapped.
        Refused(EditManifest(m => m["pipeline"]!["steps"]![2]!["options"]!["classes"] = "three"), "classes");
        // The entry is shorter than the step expects.
        var e = Refused(Rewrite((n, c) => n == "model/2/centroids.bin" ? (n, c[..8]) : (n, c)));
        Console.WriteLine(e.Message);
    }
}
