using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace CnnMl.Trainers.Tests;

/// <summary>One damaged or crafted model file: its category, what was done, and its bytes.</summary>
internal sealed record FuzzInput(string Category, string Description, byte[] Bytes);

/// <summary>
/// Makes damaged and crafted variants of a valid model zip: truncations, bit flips, renamed and
/// removed entries, hostile entry names, huge declared sizes, unknown format versions, edited
/// manifest values and crafted safetensors headers (offsets or shapes beyond the data, dtype
/// mismatches, lying header lengths). All variants are deterministic for a given seed.
/// </summary>
internal sealed class ModelFileMutations(byte[] good, int seed)
{
    private readonly Random random = new(seed);

    public IEnumerable<FuzzInput> All() =>
        Truncated().Concat(BitFlipped()).Concat(Renamed()).Concat(Removed()).Concat(EscapingNames())
            .Concat(HugeDeclaredSizes()).Concat(FormatVersions()).Concat(ManifestValues()).Concat(SafetensorsHeaders());

    public IEnumerable<FuzzInput> Truncated()
    {
        var lengths = new SortedSet<int> { 0, 1, 3, 4, 21, 22, 29, 30 };
        for (int i = 1; i <= 64; i++) lengths.Add(good.Length - i);
        while (lengths.Count < 200) lengths.Add(random.Next(good.Length));
        foreach (var n in lengths) yield return new("truncated", $"first {n} of {good.Length} bytes", good[..n]);
    }

    public IEnumerable<FuzzInput> BitFlipped()
    {
        // Half anywhere, half in the last kilobyte (central directory, manifest) where structure is dense.
        for (int i = 0; i < 400; i++)
        {
            var bytes = (byte[])good.Clone();
            var at = i % 2 == 0 ? random.Next(bytes.Length) : bytes.Length - 1 - random.Next(Math.Min(1024, bytes.Length));
            var bit = random.Next(8);
            bytes[at] ^= (byte)(1 << bit);
            yield return new("bit-flipped", $"bit {bit} of byte {at}", bytes);
        }
        for (int i = 0; i < 50; i++)
        {
            var bytes = (byte[])good.Clone();
            var flips = 2 + random.Next(30);
            for (int f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            yield return new("bit-flipped", $"{flips} random bits", bytes);
        }
    }

    public IEnumerable<FuzzInput> Renamed()
    {
        foreach (var name in EntryNames())
            foreach (var other in new[] { name + ".bak", name.ToUpperInvariant(), "model/9/" + Path.GetFileName(name), Path.GetFileName(name) + "x", "x" + name })
                if (other != name)
                    yield return new("entry renamed", $"'{name}' renamed to '{other}'", Rewrite((n, c) => (n == name ? other : n, c)));
    }

    public IEnumerable<FuzzInput> Removed()
    {
        foreach (var name in EntryNames())
        {
            yield return new("entry removed", $"'{name}' removed", Rewrite((n, c) => n == name ? null : (n, c)));
            yield return new("entry removed", $"'{name}' emptied", Rewrite((n, c) => (n, n == name ? Array.Empty<byte>() : c)));
            yield return new("entry removed", $"'{name}' duplicated", Rewrite((n, c) => (n, c), (name, Encoding.UTF8.GetBytes("{}"))));
        }
    }

    public IEnumerable<FuzzInput> EscapingNames()
    {
        var names = new[]
        {
            "../evil", "../../etc/passwd", "model/../../evil", "/etc/cron.d/evil", "model\\..\\evil", "C:\\evil.dll", "C:evil", "model/./weights",
            "./manifest.json", "model//x", "\u0001ctl", "model/0/..", "..", ".", "a\0b",
        };
        foreach (var bad in names)
        {
            yield return new("escaping name", $"extra entry '{Escape(bad)}'", Rewrite((n, c) => (n, c), (bad, new byte[] { 1, 2, 3 })));
            var weights = EntryNames().First(n => n.EndsWith(".safetensors", StringComparison.Ordinal));
            yield return new("escaping name", $"weights entry renamed to '{Escape(bad)}'", Rewrite((n, c) => (n == weights ? bad : n, c)));
        }
        foreach (var bad in new[] { "../weights.safetensors", "..", "a/b", "a\\b", "C:x", "/abs", "weights.safetensors/..", "", "\u0007" })
            yield return new("escaping name", $"manifest entry list names '{Escape(bad)}'", EditManifest(m => SetInCnnStep(m, step => step["entries"] = new JsonArray(bad))));
    }

    public IEnumerable<FuzzInput> HugeDeclaredSizes()
    {
        foreach (var name in EntryNames())
            foreach (var size in new uint[] { 0xFFFFFFF0, 0xFFFFFFFE, 0x80000001, 0x7FFFFFFF, 1u << 30, 0, 1 })
                if (DeclareSize(name, size) is { } bytes) yield return new("huge declared size", $"'{name}' declares {size} bytes", bytes);
    }

    public IEnumerable<FuzzInput> FormatVersions()
    {
        JsonNode?[] values = { 0, 2, 99, -1, int.MaxValue, long.MaxValue, 1.5, "1", "one", true, null, new JsonArray(1), new JsonObject() };
        foreach (var v in values)
            yield return new("format version", $"formatVersion = {v?.ToJsonString() ?? "null"}", EditManifest(m => m["formatVersion"] = v?.DeepClone()));
        yield return new("format version", "formatVersion removed", EditManifest(m => m.Remove("formatVersion")));
        yield return new("format version", "formatVersion given twice", ReplaceManifestText(t => t.Replace("\"formatVersion\"", "\"formatVersion\": 1, \"formatVersion\"", StringComparison.Ordinal)));
    }

    /// <summary>Every value in manifest.json replaced, in turn, by each of a few hostile values.</summary>
    public IEnumerable<FuzzInput> ManifestValues()
    {
        var manifest = ManifestJson();
        var paths = new List<string>();
        Collect(manifest, "", paths);
        JsonNode?[] replacements = { null, -1, 0, 1, 1L << 40, 1e300, "", "x", "../../evil", new JsonArray(), new JsonObject(), new JsonArray(-5, 1 << 30) };
        foreach (var path in paths)
            foreach (var r in replacements)
                yield return new("manifest value", $"{path} = {r?.ToJsonString() ?? "null"}", EditManifest(m => Replace(m, path, r?.DeepClone())));
        foreach (var path in paths.Where(p => p.Count(c => c == '.') > 0))
            yield return new("manifest value", $"{path} removed", EditManifest(m => Replace(m, path, null, remove: true)));
        yield return new("manifest value", "duplicate key", ReplaceManifestText(t => t.Replace("\"pipeline\"", "\"pipeline\": {}, \"pipeline\"", StringComparison.Ordinal)));
        yield return new("manifest value", "deep nesting", ReplaceManifestText(t => new string('[', 100_000) + new string(']', 100_000)));
        yield return new("manifest value", "not UTF-8", ReplaceManifestBytes(b => b.Concat(new byte[] { 0xFF, 0xFE, 0xC0 }).ToArray()));
    }

    /// <summary>Crafted safetensors weights: each tensor's offsets, shape and dtype made to lie, and the header length field too.</summary>
    public IEnumerable<FuzzInput> SafetensorsHeaders()
    {
        var weightsName = EntryNames().First(n => n.EndsWith(".safetensors", StringComparison.Ordinal));
        var weights = Entry(weightsName);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(weights);
        var header = JsonNode.Parse(weights.AsSpan(8, headerLength))!.AsObject();
        var data = weights[(8 + headerLength)..];
        FuzzInput Make(string what, JsonObject h, byte[]? body = null) =>
            new("safetensors header", what, Rewrite((n, c) => (n, n == weightsName ? Safetensor(h, body ?? data) : c)));
        foreach (var name in header.Select(kv => kv.Key).Where(k => k != "__metadata__").ToList())
        {
            JsonObject Edit(Action<JsonObject> edit)
            {
                var copy = header.DeepClone().AsObject();
                edit(copy[name]!.AsObject());
                return copy;
            }
            long Begin(JsonObject t) => t["data_offsets"]![0]!.GetValue<long>();
            long End(JsonObject t) => t["data_offsets"]![1]!.GetValue<long>();
            yield return Make($"{name}: end beyond the data", Edit(t => t["data_offsets"] = new JsonArray(Begin(t), data.Length + 4096L)));
            yield return Make($"{name}: offsets far beyond the data", Edit(t => t["data_offsets"] = new JsonArray(1L << 40, (1L << 40) + End(t) - Begin(t))));
            yield return Make($"{name}: offsets reversed", Edit(t => t["data_offsets"] = new JsonArray(End(t), Begin(t))));
            yield return Make($"{name}: negative offset", Edit(t => t["data_offsets"] = new JsonArray(-8, End(t))));
            yield return Make($"{name}: offsets shifted by 4", Edit(t => t["data_offsets"] = new JsonArray(Begin(t) + 4, End(t) + 4)));
            yield return Make($"{name}: one offset", Edit(t => t["data_offsets"] = new JsonArray(Begin(t))));
            yield return Make($"{name}: offsets are strings", Edit(t => t["data_offsets"] = new JsonArray("0", "8")));
            yield return Make($"{name}: shape doubled", Edit(t => t["shape"] = new JsonArray(t["shape"]!.AsArray().Select(d => (JsonNode)(d!.GetValue<long>() * 2)).Append(2L).ToArray())));
            yield return Make($"{name}: huge shape", Edit(t => t["shape"] = new JsonArray(1L << 31, 1L << 31, 1L << 31)));
            yield return Make($"{name}: shape overflowing 64 bits", Edit(t => t["shape"] = new JsonArray(long.MaxValue, long.MaxValue, 4)));
            yield return Make($"{name}: negative dimension", Edit(t => t["shape"] = new JsonArray(-1, -(End(t) - Begin(t)) / 4)));
            yield return Make($"{name}: zero dimension", Edit(t => t["shape"] = new JsonArray(0)));
            yield return Make($"{name}: shape flattened", Edit(t => t["shape"] = new JsonArray((End(t) - Begin(t)) / 4)));
            yield return Make($"{name}: dtype I32 (same size)", Edit(t => t["dtype"] = "I32"));
            yield return Make($"{name}: dtype F64", Edit(t => t["dtype"] = "F64"));
            yield return Make($"{name}: dtype F16", Edit(t => t["dtype"] = "F16"));
            yield return Make($"{name}: dtype U8 with shape matching the bytes", Edit(t => { t["dtype"] = "U8"; t["shape"] = new JsonArray(End(t) - Begin(t)); }));
            yield return Make($"{name}: dtype BOOL", Edit(t => { t["dtype"] = "BOOL"; t["shape"] = new JsonArray(End(t) - Begin(t)); }));
            yield return Make($"{name}: unknown dtype", Edit(t => t["dtype"] = "Q4_K"));
            yield return Make($"{name}: dtype missing", Edit(t => t.Remove("dtype")));
            yield return Make($"{name}: not an object", header.DeepClone().AsObject().Also(h => h[name] = 5));
            yield return Make($"{name}: removed", header.DeepClone().AsObject().Also(h => h.Remove(name)));
            yield return Make($"{name}: renamed", header.DeepClone().AsObject().Also(h => { var v = h[name]!.DeepClone(); h.Remove(name); h[name + ".evil"] = v; }));
        }
        yield return Make("data shortened by 4 bytes", header, data[..^4]);
        yield return Make("data lengthened by 4 bytes", header, data.Concat(new byte[4]).ToArray());
        yield return Make("metadata not strings", header.DeepClone().AsObject().Also(h => h["__metadata__"] = new JsonObject { ["a"] = 1 }));
        foreach (var length in new ulong[] { 0, 1, 7, (ulong)headerLength - 1, (ulong)headerLength + 1, (ulong)weights.Length, 100_000_001, 1UL << 40, ulong.MaxValue, 1UL << 63 })
        {
            var bytes = (byte[])weights.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
            yield return new("safetensors header", $"header length field {length}", Rewrite((n, c) => (n, n == weightsName ? bytes : c)));
        }
        foreach (var n in new[] { 0, 4, 7, 8, 9, headerLength / 2 })
            yield return new("safetensors header", $"weights cut to {n} bytes", Rewrite((e, c) => (e, e == weightsName ? weights[..n] : c)));
        yield return new("safetensors header", "header of garbage", Rewrite((e, c) => (e, e == weightsName ? Safetensor(Encoding.UTF8.GetBytes("{\"a\": [[[[[[[[[[[[1]]]]]]]]]]]]}"), data) : c)));
    }

    private static string Escape(string s) => string.Concat(s.Select(ch => char.IsControl(ch) ? $"\\u{(int)ch:x4}" : ch.ToString()));

    private static byte[] Safetensor(JsonObject header, byte[] data) => Safetensor(Encoding.UTF8.GetBytes(header.ToJsonString()), data);

    private static byte[] Safetensor(byte[] header, byte[] data)
    {
        var result = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)header.Length);
        header.CopyTo(result, 8);
        data.CopyTo(result, 8 + header.Length);
        return result;
    }

    private static void Collect(JsonNode? node, string path, List<string> paths)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o) Collect(v, path + "." + k, paths);
                break;
            case JsonArray a:
                paths.Add(path);
                // Long arrays (normalization, class names) are sampled at their first element.
                for (int i = 0; i < Math.Min(a.Count, 2); i++) Collect(a[i], $"{path}[{i}]", paths);
                break;
            default:
                paths.Add(path);
                break;
        }
    }

    /// <summary>Replaces (or removes) the node at a path like ".pipeline.steps[1].options.height".</summary>
    private static void Replace(JsonObject root, string path, JsonNode? value, bool remove = false)
    {
        var parts = System.Text.RegularExpressions.Regex.Matches(path, @"\.([^.\[]+)|\[(\d+)\]").Select(m => m.Groups[1].Success ? (object)m.Groups[1].Value : int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        JsonNode parent = root;
        for (int i = 0; i < parts.Count - 1; i++) parent = parts[i] is string key ? parent[key]! : parent[(int)parts[i]]!;
        switch (parts[^1])
        {
            case string key when remove:
                parent.AsObject().Remove(key);
                break;
            case string key:
                parent[key] = value;
                break;
            case int index when remove:
                parent.AsArray().RemoveAt(index);
                break;
            case int index:
                parent[index] = value;
                break;
        }
    }

    private static void SetInCnnStep(JsonObject manifest, Action<JsonObject> edit)
    {
        foreach (var step in manifest["pipeline"]!["steps"]!.AsArray())
            if (step!["kind"]!.GetValue<string>() == "CnnClassifier") edit(step.AsObject());
    }

    public IReadOnlyList<string> EntryNames()
    {
        using var zip = new ZipArchive(new MemoryStream(good), ZipArchiveMode.Read);
        return zip.Entries.Select(e => e.FullName).ToArray();
    }

    private byte[] Entry(string name)
    {
        using var zip = new ZipArchive(new MemoryStream(good), ZipArchiveMode.Read);
        using var content = new MemoryStream();
        using (var s = zip.GetEntry(name)!.Open()) s.CopyTo(content);
        return content.ToArray();
    }

    private JsonObject ManifestJson() => JsonNode.Parse(Entry("manifest.json"))!.AsObject();

    private byte[] EditManifest(Action<JsonObject> edit) => ReplaceManifestBytes(bytes =>
    {
        var manifest = JsonNode.Parse(bytes)!.AsObject();
        edit(manifest);
        return Encoding.UTF8.GetBytes(manifest.ToJsonString());
    });

    private byte[] ReplaceManifestText(Func<string, string> edit) => ReplaceManifestBytes(b => Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(b))));

    private byte[] ReplaceManifestBytes(Func<byte[], byte[]> edit) => Rewrite((n, c) => (n, n == "manifest.json" ? edit(c) : c));

    /// <summary>Rebuilds the zip, mapping each entry (name, content) to a new one or null to drop it, then adding <paramref name="extra"/>.</summary>
    private byte[] Rewrite(Func<string, byte[], (string, byte[])?> map, params (string Name, byte[] Content)[] extra)
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
                using var w = target.CreateEntry(name, CompressionLevel.Fastest).Open();
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

    /// <summary>The file with the uncompressed size of <paramref name="entryName"/> patched in its local header and central directory entry.</summary>
    private byte[]? DeclareSize(string entryName, uint size)
    {
        var bytes = (byte[])good.Clone();
        var name = Encoding.UTF8.GetBytes(entryName);
        int patched = 0;
        for (int i = 0; i + 46 < bytes.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i));
            if (signature == 0x04034b50 && Matches(bytes, i + 30, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 26)), name))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 22), size);
                patched++;
            }
            else if (signature == 0x02014b50 && Matches(bytes, i + 46, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 28)), name))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 24), size);
                patched++;
            }
        }
        return patched == 2 ? bytes : null;
    }

    private static bool Matches(byte[] bytes, int at, int length, byte[] name) =>
        length == name.Length && at + length <= bytes.Length && bytes.AsSpan(at, length).SequenceEqual(name);
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> edit)
    {
        edit(o);
        return o;
    }
}
