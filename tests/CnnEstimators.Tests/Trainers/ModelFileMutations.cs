using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// One damaged or crafted model zip: its category, what was done, its bytes, and whether every change
/// lies inside the CnnMl transformer's own entry (its <c>Model.key</c> and <c>Weights.safetensors</c>).
/// </summary>
internal sealed record FuzzInput(string Category, string Description, byte[] Bytes, bool InsideCnnEntry);

/// <summary>
/// Makes damaged and crafted variants of a valid ML.NET model zip that holds a CnnMl transformer.
/// Anywhere in the zip: truncations, bit flips, renamed, removed and duplicated entries, hostile entry
/// names and huge declared sizes. Inside the CnnMl entry: bit flips and truncations of <c>Model.key</c>
/// and <c>Weights.safetensors</c>, lying fixed-size fields, descriptions whose JSON is edited with its
/// SHA-256 recomputed, and crafted safetensors headers with the weights length and digest recomputed.
/// All variants are deterministic for a given seed.
/// </summary>
internal sealed class ModelFileMutations
{
    private readonly byte[] good;
    private readonly Random random;
    private readonly IReadOnlyList<(string Name, byte[] Content)> entries;
    private readonly CnnEntry cnn;

    public ModelFileMutations(byte[] good, int seed)
    {
        this.good = good;
        random = new Random(seed);
        entries = ReadEntries(good);
        cnn = new CnnEntry(entries);
    }

    public IEnumerable<FuzzInput> All() => AnywhereInTheZip().Concat(InsideTheCnnEntry());

    public IEnumerable<FuzzInput> AnywhereInTheZip() =>
        Truncated().Concat(BitFlipped()).Concat(Renamed()).Concat(Removed()).Concat(EscapingNames()).Concat(HugeDeclaredSizes());

    public IEnumerable<FuzzInput> InsideTheCnnEntry() =>
        ModelKeyBits().Concat(ModelKeyTruncated()).Concat(ModelKeyFields()).Concat(WeightsBits()).Concat(WeightsTruncated())
            .Concat(Descriptions()).Concat(SafetensorsHeaders());

    /// <summary>The zip rebuilt from its own entries, unchanged: it must load and score as the original does.</summary>
    public byte[] Rebuilt() => Rewrite((n, c) => (n, c));

    public IEnumerable<FuzzInput> Truncated()
    {
        var lengths = new SortedSet<int> { 0, 1, 3, 4, 21, 22, 29, 30 };
        for (int i = 1; i <= 64; i++) lengths.Add(good.Length - i);
        while (lengths.Count < 200) lengths.Add(random.Next(good.Length));
        foreach (var n in lengths) yield return Anywhere("truncated", $"first {n} of {good.Length} bytes", good[..n]);
    }

    public IEnumerable<FuzzInput> BitFlipped()
    {
        // Half anywhere, half in the last kilobyte (central directory) where structure is dense.
        for (int i = 0; i < 400; i++)
        {
            var at = i % 2 == 0 ? random.Next(good.Length) : good.Length - 1 - random.Next(Math.Min(1024, good.Length));
            var bit = random.Next(8);
            yield return Anywhere("bit-flipped", $"bit {bit} of byte {at}", FlipBit(good, at, bit));
        }
        for (int i = 0; i < 50; i++)
        {
            var bytes = (byte[])good.Clone();
            var flips = 2 + random.Next(30);
            for (int f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            yield return Anywhere("bit-flipped", $"{flips} random bits", bytes);
        }
    }

    public IEnumerable<FuzzInput> Renamed()
    {
        foreach (var (name, _) in entries)
            foreach (var other in new[] { name + ".bak", name.ToUpperInvariant(), "model/9/" + Path.GetFileName(name), Path.GetFileName(name) + "x", "x" + name })
                if (other != name)
                    yield return Anywhere("entry renamed", $"'{name}' renamed to '{other}'", Rewrite((n, c) => (n == name ? other : n, c)));
    }

    public IEnumerable<FuzzInput> Removed()
    {
        foreach (var (name, _) in entries)
        {
            yield return Anywhere("entry removed", $"'{name}' removed", Rewrite((n, c) => n == name ? null : (n, c)));
            yield return Anywhere("entry removed", $"'{name}' emptied", Rewrite((n, c) => (n, n == name ? [] : c)));
            yield return Anywhere("entry removed", $"'{name}' duplicated", Rewrite((n, c) => (n, c), (name, Encoding.UTF8.GetBytes("{}"))));
        }
    }

    public IEnumerable<FuzzInput> EscapingNames()
    {
        var names = new[]
        {
            "../evil", "../../etc/passwd", "TransformerChain/../../evil", "/etc/cron.d/evil", "TransformerChain\\..\\evil", "C:\\evil.dll", "C:evil",
            "TransformerChain/./Model.key", "./Version.txt", "TransformerChain//x", "\u0001ctl", "TransformerChain/..", "..", ".", "a\0b",
        };
        foreach (var bad in names)
        {
            yield return Anywhere("escaping name", $"extra entry '{Escape(bad)}'", Rewrite((n, c) => (n, c), (bad, [1, 2, 3])));
            yield return Anywhere("escaping name", $"weights entry renamed to '{Escape(bad)}'", Rewrite((n, c) => (n == cnn.WeightsName ? bad : n, c)));
            yield return Anywhere("escaping name", $"CnnMl Model.key renamed to '{Escape(bad)}'", Rewrite((n, c) => (n == cnn.ModelKeyName ? bad : n, c)));
        }
    }

    public IEnumerable<FuzzInput> HugeDeclaredSizes()
    {
        foreach (var (name, _) in entries)
            foreach (var size in new uint[] { 0xFFFFFFF0, 0xFFFFFFFE, 0x80000001, 0x7FFFFFFF, 1u << 30, 0, 1 })
                if (DeclareSize(name, size) is { } bytes) yield return Anywhere("huge declared size", $"'{name}' declares {size} bytes", bytes);
    }

    /// <summary>Single bit flips in the CnnMl Model.key: every byte of the fixed-size fields, and samples of the JSON, ML.NET's header and what follows the payload.</summary>
    public IEnumerable<FuzzInput> ModelKeyBits()
    {
        var key = cnn.ModelKey;
        var positions = new List<int>();
        for (int at = cnn.VersionAt; at < cnn.JsonAt; at++) positions.Add(at);
        for (int at = cnn.JsonDigestAt; at < cnn.PayloadEnd; at++) positions.Add(at);
        for (int i = 0; i < 60; i++) positions.Add(cnn.JsonAt + random.Next(cnn.JsonLength));
        for (int i = 0; i < 40; i++) positions.Add(random.Next(cnn.VersionAt));
        for (int i = 0; i < 30 && cnn.PayloadEnd < key.Length; i++) positions.Add(cnn.PayloadEnd + random.Next(key.Length - cnn.PayloadEnd));
        foreach (var at in positions)
        {
            var bit = random.Next(8);
            yield return Inside("Model.key bits", $"bit {bit} of byte {at} ({cnn.FieldAt(at)})", WithCnnEntry(FlipBit(key, at, bit), cnn.Weights));
        }
    }

    public IEnumerable<FuzzInput> ModelKeyTruncated()
    {
        var key = cnn.ModelKey;
        var lengths = new SortedSet<int>
        {
            0, 1, 8, cnn.VersionAt - 1, cnn.VersionAt, cnn.VersionAt + 2, cnn.JsonAt - 1, cnn.JsonAt, cnn.JsonAt + cnn.JsonLength / 2,
            cnn.JsonDigestAt, cnn.JsonDigestAt + 31, cnn.WeightsLengthAt + 4, cnn.WeightsDigestAt, cnn.WeightsDigestAt + 16, cnn.PayloadEnd,
            cnn.PayloadEnd + 1, key.Length - 8, key.Length - 1,
        };
        while (lengths.Count < 40) lengths.Add(random.Next(key.Length));
        foreach (var n in lengths)
            yield return Inside("Model.key truncated", $"first {n} of {key.Length} bytes ({cnn.FieldAt(n)})", WithCnnEntry(key[..n], cnn.Weights));
        foreach (var extra in new[] { 1, 8, 4096 })
            yield return Inside("Model.key truncated", $"{extra} bytes appended", WithCnnEntry([.. key, .. new byte[extra]], cnn.Weights));
    }

    /// <summary>The fixed-size fields of the payload made to lie: format version, JSON length, weights length, digests.</summary>
    public IEnumerable<FuzzInput> ModelKeyFields()
    {
        FuzzInput Field(string what, Action<byte[]> edit)
        {
            var key = (byte[])cnn.ModelKey.Clone();
            edit(key);
            return Inside("Model.key fields", what, WithCnnEntry(key, cnn.Weights));
        }
        foreach (var version in new[] { 0, 2, -1, 0x00010001, int.MaxValue, int.MinValue })
            yield return Field($"format version {version}", k => BinaryPrimitives.WriteInt32LittleEndian(k.AsSpan(cnn.VersionAt), version));
        var json = cnn.JsonLength;
        foreach (var length in new[] { 0, 1, 2, json - 1, json + 1, json + 4, 16 << 20, (16 << 20) + 1, int.MaxValue, -1, int.MinValue })
            yield return Field($"description length {length}", k => BinaryPrimitives.WriteInt32LittleEndian(k.AsSpan(cnn.VersionAt + 4), length));
        var weights = (long)cnn.Weights.Length;
        foreach (var length in new[] { 0, 7, 8, weights - 1, weights + 1, weights * 2, int.MaxValue - 64L, int.MaxValue, 1L << 40, long.MaxValue, -1, long.MinValue })
            yield return Field($"weights length {length}", k => BinaryPrimitives.WriteInt64LittleEndian(k.AsSpan(cnn.WeightsLengthAt), length));
        yield return Field("description digest zeroed", k => k.AsSpan(cnn.JsonDigestAt, 32).Clear());
        yield return Field("weights digest zeroed", k => k.AsSpan(cnn.WeightsDigestAt, 32).Clear());
        yield return Field("digests swapped", k =>
        {
            cnn.ModelKey.AsSpan(cnn.WeightsDigestAt, 32).CopyTo(k.AsSpan(cnn.JsonDigestAt));
            cnn.ModelKey.AsSpan(cnn.JsonDigestAt, 32).CopyTo(k.AsSpan(cnn.WeightsDigestAt));
        });
    }

    public IEnumerable<FuzzInput> WeightsBits()
    {
        var weights = cnn.Weights;
        var headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(weights);
        for (int i = 0; i < 160; i++)
        {
            var at = i % 2 == 0 ? random.Next(headerEnd) : headerEnd + random.Next(weights.Length - headerEnd);
            var bit = random.Next(8);
            yield return Inside("weights bits", $"bit {bit} of byte {at}", WithCnnEntry(cnn.ModelKey, FlipBit(weights, at, bit)));
        }
    }

    public IEnumerable<FuzzInput> WeightsTruncated()
    {
        var weights = cnn.Weights;
        var headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(weights);
        var lengths = new SortedSet<int> { 0, 1, 7, 8, 9, headerEnd - 1, headerEnd, headerEnd + 1, weights.Length - 4, weights.Length - 1 };
        while (lengths.Count < 40) lengths.Add(random.Next(weights.Length));
        foreach (var n in lengths)
            yield return Inside("weights truncated", $"first {n} of {weights.Length} bytes", WithCnnEntry(cnn.ModelKey, weights[..n]));
        foreach (var extra in new[] { 1, 4, 4096 })
            yield return Inside("weights truncated", $"{extra} bytes appended", WithCnnEntry(cnn.ModelKey, [.. weights, .. new byte[extra]]));
    }

    /// <summary>
    /// The description's JSON edited, its SHA-256 recomputed and its byte length kept (padded with
    /// spaces), so that only the loader's field checks stand between the edit and a different model.
    /// </summary>
    public IEnumerable<FuzzInput> Descriptions() => DescriptionEdits().Select(e => Inside("description", e.What, WithDescription(e.Json)));

    private IEnumerable<(string What, byte[] Json)> DescriptionEdits()
    {
        var original = JsonNode.Parse(cnn.Description)!.AsObject();
        if (!Encoding.UTF8.GetBytes(original.ToJsonString()).AsSpan().SequenceEqual(cnn.Description))
            throw new InvalidOperationException("the description does not survive a JSON round trip unchanged; edits would change more than intended");
        var edits = ValueEdits(original).Concat(FieldEdits(original)).Select(e => (e.What, Json: Fit(e.Edited)))
            .Concat(TextEdits(original).Select(e => (e.What, Json: Fit(Encoding.UTF8.GetBytes(e.Text)))));
        foreach (var (what, json) in edits)
            if (json is not null) yield return (what, json);
        foreach (var (what, bad) in new[] { ("not UTF-8", (byte)0xFF), ("control character in a string", (byte)0x01) })
        {
            var bytes = (byte[])cnn.Description.Clone();
            bytes[Array.IndexOf(bytes, (byte)'l')] = bad;
            yield return (what, bytes);
        }
    }

    /// <summary>Every value (and the first two elements of every array) replaced, in turn, by each of a few hostile values; every property removed.</summary>
    private static IEnumerable<(string What, JsonObject Edited)> ValueEdits(JsonObject original)
    {
        var paths = new List<string>();
        Collect(original, "", paths);
        JsonNode?[] values =
        [
            null, -1, 0, 1, 2, 3, 27, 29, 32, 64, 65, 8193, int.MaxValue, int.MinValue, 1L << 40, 1.5, 1e300, true, "", "x", "1", "../x", "../../evil",
            new JsonArray(), new JsonObject(), new JsonArray(-5, 1 << 30), new JsonArray(1, 2, 3),
        ];
        foreach (var path in paths)
            foreach (var value in values)
                yield return ($"{path} = {value?.ToJsonString() ?? "null"}", Edited(original, root => Replace(root, path, value?.DeepClone())));
        foreach (var (key, _) in original)
            yield return ($"{key} removed", Edited(original, root => root.Remove(key)));
    }

    /// <summary>Other zoo architectures, changed class-name counts and malformed normalizations.</summary>
    private static IEnumerable<(string What, JsonObject Edited)> FieldEdits(JsonObject original)
    {
        // lenet5_relu has exactly lenet5's weights, so a description naming it is a valid model of another network, not damage.
        foreach (var name in Models.ModelZoo.Names.Where(n => n is not ("lenet5" or "lenet5_relu")).Concat(["LeNet5", "LENET5", "lenet5 ", " lenet5", "lenet", "lenet5\u0000"]))
            yield return ($"Architecture = '{Escape(name)}'", Edited(original, root => root["Architecture"] = name));
        JsonArray[] classLists = [new(), new("a"), new("a", "b", "c"), new("a", "b", "c", "d"), new("a", "a"), new(null, "b"), new("a", 1), new(new JsonArray("a"), "b")];
        foreach (var names in classLists)
            yield return ($"ClassNames = {names.ToJsonString()}", Edited(original, root => root["ClassNames"] = names.DeepClone()));
        var normalizations = new (JsonNode? Mean, JsonNode? Std)[]
        {
            (new JsonArray(1), new JsonArray(0)), (new JsonArray(0), new JsonArray(-1)), (new JsonArray(1, 2), new JsonArray(1, 2)),
            (new JsonArray(), new JsonArray()), (new JsonArray(0), null), (1, 1),
        };
        foreach (var (mean, std) in normalizations)
            yield return ($"NormalizeMean = {mean?.ToJsonString() ?? "null"}, NormalizeStd = {std?.ToJsonString() ?? "null"}",
                Edited(original, root => { root["NormalizeMean"] = mean?.DeepClone(); root["NormalizeStd"] = std?.DeepClone(); }));
    }

    /// <summary>Edits of the JSON text, starting from the description with short class names, which leaves room for them.</summary>
    private IEnumerable<(string What, string Text)> TextEdits(JsonObject original)
    {
        var text = WithShortClassNames(original).ToJsonString();
        var half = cnn.JsonLength / 2;
        var sixth = cnn.JsonLength / 6;
        return
        [
            ("duplicate key", text.Replace("\"Channels\":", "\"Channels\":3,\"Channels\":", StringComparison.Ordinal)),
            ("unknown key", text.Replace("{\"Architecture\"", "{\"Evil\":1,\"Architecture\"", StringComparison.Ordinal)),
            ("trailing content", text + ",{}"),
            ("second document", text + "{}"),
            ("document null", "null"),
            ("document an array", "[]"),
            ("document a string", "\"lenet5\""),
            ("deep nesting", new string('[', half) + new string(']', half)),
            ("deep objects", string.Concat(Enumerable.Repeat("{\"a\":", sixth)) + "1" + new string('}', sixth)),
            ("only spaces", ""),
            ("comment", "/*x*/" + text),
            ("trailing comma", text[..^1] + ",}"),
            ("single quotes", text.Replace("\"lenet5\"", "'lenet5'", StringComparison.Ordinal)),
        ];
    }

    private static JsonObject Edited(JsonObject original, Action<JsonObject> edit)
    {
        var copy = original.DeepClone().AsObject();
        edit(copy);
        return copy;
    }

    /// <summary>
    /// The edited description at the original byte length, padded with spaces. The model's class names are
    /// long so that there is room: when an edit of another field does not fit, the class names are shortened
    /// (they do not change scores). Null when the edit still does not fit.
    /// </summary>
    private byte[]? Fit(JsonObject edited)
    {
        if (Fit(Encoding.UTF8.GetBytes(edited.ToJsonString())) is { } json) return json;
        var originalNames = JsonNode.Parse(cnn.Description)!["ClassNames"]!.ToJsonString();
        if (edited["ClassNames"]?.ToJsonString() != originalNames) return null;
        return Fit(Encoding.UTF8.GetBytes(WithShortClassNames(edited).ToJsonString()));
    }

    private static JsonObject WithShortClassNames(JsonObject description) => Edited(description, d =>
        d["ClassNames"] = new JsonArray(d["ClassNames"]!.AsArray().Select((_, i) => (JsonNode)$"c{i}").ToArray()));

    private byte[]? Fit(byte[] json)
    {
        if (json.Length > cnn.JsonLength) return null;
        var padded = new byte[cnn.JsonLength];
        json.CopyTo(padded, 0);
        padded.AsSpan(json.Length).Fill((byte)' ');
        return padded;
    }

    /// <summary>Crafted safetensors weights: each tensor's offsets, shape and dtype made to lie, and the header length field too; the weights length and digest in Model.key are recomputed.</summary>
    public IEnumerable<FuzzInput> SafetensorsHeaders()
    {
        var weights = cnn.Weights;
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(weights);
        var header = JsonNode.Parse(weights.AsSpan(8, headerLength))!.AsObject();
        var data = weights[(8 + headerLength)..];
        FuzzInput Make(string what, byte[] crafted) => Inside("safetensors header", what, WithWeights(crafted));
        FuzzInput MakeFrom(string what, JsonObject h, byte[]? body = null) => Make(what, Safetensor(h, body ?? data));
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
            yield return MakeFrom($"{name}: end beyond the data", Edit(t => t["data_offsets"] = new JsonArray(Begin(t), data.Length + 4096L)));
            yield return MakeFrom($"{name}: offsets far beyond the data", Edit(t => t["data_offsets"] = new JsonArray(1L << 40, (1L << 40) + End(t) - Begin(t))));
            yield return MakeFrom($"{name}: offsets reversed", Edit(t => t["data_offsets"] = new JsonArray(End(t), Begin(t))));
            yield return MakeFrom($"{name}: negative offset", Edit(t => t["data_offsets"] = new JsonArray(-8, End(t))));
            yield return MakeFrom($"{name}: offsets shifted by 4", Edit(t => t["data_offsets"] = new JsonArray(Begin(t) + 4, End(t) + 4)));
            yield return MakeFrom($"{name}: one offset", Edit(t => t["data_offsets"] = new JsonArray(Begin(t))));
            yield return MakeFrom($"{name}: offsets are strings", Edit(t => t["data_offsets"] = new JsonArray("0", "8")));
            yield return MakeFrom($"{name}: shape doubled", Edit(t => t["shape"] = new JsonArray(t["shape"]!.AsArray().Select(d => (JsonNode)(d!.GetValue<long>() * 2)).Append(2L).ToArray())));
            yield return MakeFrom($"{name}: huge shape", Edit(t => t["shape"] = new JsonArray(1L << 31, 1L << 31, 1L << 31)));
            yield return MakeFrom($"{name}: shape overflowing 64 bits", Edit(t => t["shape"] = new JsonArray(long.MaxValue, long.MaxValue, 4)));
            yield return MakeFrom($"{name}: negative dimension", Edit(t => t["shape"] = new JsonArray(-1, -(End(t) - Begin(t)) / 4)));
            yield return MakeFrom($"{name}: zero dimension", Edit(t => t["shape"] = new JsonArray(0)));
            yield return MakeFrom($"{name}: shape flattened", Edit(t => t["shape"] = new JsonArray((End(t) - Begin(t)) / 4)));
            yield return MakeFrom($"{name}: dtype I32 (same size)", Edit(t => t["dtype"] = "I32"));
            yield return MakeFrom($"{name}: dtype F64", Edit(t => t["dtype"] = "F64"));
            yield return MakeFrom($"{name}: dtype F16", Edit(t => t["dtype"] = "F16"));
            yield return MakeFrom($"{name}: dtype U8 with shape matching the bytes", Edit(t => { t["dtype"] = "U8"; t["shape"] = new JsonArray(End(t) - Begin(t)); }));
            yield return MakeFrom($"{name}: dtype BOOL", Edit(t => { t["dtype"] = "BOOL"; t["shape"] = new JsonArray(End(t) - Begin(t)); }));
            yield return MakeFrom($"{name}: unknown dtype", Edit(t => t["dtype"] = "Q4_K"));
            yield return MakeFrom($"{name}: dtype missing", Edit(t => t.Remove("dtype")));
            yield return MakeFrom($"{name}: not an object", header.DeepClone().AsObject().Also(h => h[name] = 5));
            yield return MakeFrom($"{name}: removed", header.DeepClone().AsObject().Also(h => h.Remove(name)));
            yield return MakeFrom($"{name}: renamed", header.DeepClone().AsObject().Also(h => { var v = h[name]!.DeepClone(); h.Remove(name); h[name + ".evil"] = v; }));
        }
        yield return MakeFrom("data shortened by 4 bytes", header, data[..^4]);
        yield return MakeFrom("data lengthened by 4 bytes", header, [.. data, .. new byte[4]]);
        yield return MakeFrom("metadata not strings", header.DeepClone().AsObject().Also(h => h["__metadata__"] = new JsonObject { ["a"] = 1 }));
        yield return MakeFrom("extra tensor", header.DeepClone().AsObject().Also(h => h["evil"] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(1), ["data_offsets"] = new JsonArray(data.Length, data.Length + 4L) }), [.. data, .. new byte[4]]);
        foreach (var length in new ulong[] { 0, 1, 7, (ulong)headerLength - 1, (ulong)headerLength + 1, (ulong)weights.Length, 100_000_001, 1UL << 40, ulong.MaxValue, 1UL << 63 })
        {
            var bytes = (byte[])weights.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
            yield return Make($"header length field {length}", bytes);
        }
        foreach (var n in new[] { 8, 9, headerLength / 2 })
            yield return Make($"weights cut to {n} bytes", weights[..n]);
        yield return Make("header of garbage", Safetensor(Encoding.UTF8.GetBytes("{\"a\": [[[[[[[[[[[[1]]]]]]]]]]]]}"), data));
    }

    private static FuzzInput Anywhere(string category, string description, byte[] bytes) => new(category, description, bytes, false);

    private static FuzzInput Inside(string category, string description, byte[] bytes) => new(category, description, bytes, true);

    private static byte[] FlipBit(byte[] bytes, int at, int bit)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= (byte)(1 << bit);
        return copy;
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

    /// <summary>Paths of every value: top-level properties, and arrays with their first two elements.</summary>
    private static void Collect(JsonNode? node, string path, List<string> paths)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o) Collect(v, path + "." + k, paths);
                break;
            case JsonArray a:
                paths.Add(path);
                for (int i = 0; i < Math.Min(a.Count, 2); i++) Collect(a[i], $"{path}[{i}]", paths);
                break;
            default:
                paths.Add(path);
                break;
        }
    }

    /// <summary>Replaces the node at a path like ".ClassNames[1]" or ".Channels".</summary>
    private static void Replace(JsonObject root, string path, JsonNode? value)
    {
        var parts = System.Text.RegularExpressions.Regex.Matches(path, @"\.([^.\[]+)|\[(\d+)\]")
            .Select(m => m.Groups[1].Success ? (object)m.Groups[1].Value : int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        JsonNode parent = root;
        for (int i = 0; i < parts.Count - 1; i++) parent = parts[i] is string key ? parent[key]! : parent[(int)parts[i]]!;
        if (parts[^1] is string last) parent[last] = value;
        else parent[(int)parts[^1]] = value;
    }

    /// <summary>The zip with the CnnMl Model.key holding <paramref name="json"/> (same length) and its recomputed digest.</summary>
    private byte[] WithDescription(byte[] json)
    {
        var key = (byte[])cnn.ModelKey.Clone();
        json.CopyTo(key, cnn.JsonAt);
        SHA256.HashData(json).CopyTo(key, cnn.JsonDigestAt);
        return WithCnnEntry(key, cnn.Weights);
    }

    /// <summary>The zip with <paramref name="weights"/> as Weights.safetensors and their length and digest recomputed in Model.key.</summary>
    private byte[] WithWeights(byte[] weights)
    {
        var key = (byte[])cnn.ModelKey.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(key.AsSpan(cnn.WeightsLengthAt), weights.Length);
        SHA256.HashData(weights).CopyTo(key, cnn.WeightsDigestAt);
        return WithCnnEntry(key, weights);
    }

    private byte[] WithCnnEntry(byte[] modelKey, byte[] weights) =>
        Rewrite((n, c) => (n, n == cnn.ModelKeyName ? modelKey : n == cnn.WeightsName ? weights : c));

    /// <summary>Rebuilds the zip, mapping each entry (name, content) to a new one or null to drop it, then adding <paramref name="extra"/>.</summary>
    private byte[] Rewrite(Func<string, byte[], (string, byte[])?> map, params (string Name, byte[] Content)[] extra)
    {
        using var output = new MemoryStream();
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (entryName, content) in entries)
            {
                if (map(entryName, content) is not var (name, bytes)) continue;
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

    private static List<(string Name, byte[] Content)> ReadEntries(byte[] zipBytes)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        return zip.Entries.Select(e =>
        {
            using var content = new MemoryStream();
            using (var s = e.Open()) s.CopyTo(content);
            return (e.FullName, content.ToArray());
        }).ToList();
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

    /// <summary>
    /// Where the CnnMl transformer's entry lies in the zip: the directory holding <c>Weights.safetensors</c>,
    /// its sibling <c>Model.key</c>, and in it the payload after ML.NET's header (int32 format version,
    /// int32 JSON length, the JSON, its SHA-256, int64 weights length, the weights' SHA-256).
    /// </summary>
    private sealed class CnnEntry
    {
        private static readonly byte[] JsonStart = Encoding.UTF8.GetBytes("{\"Architecture\"");

        public CnnEntry(IReadOnlyList<(string Name, byte[] Content)> entries)
        {
            (WeightsName, Weights) = entries.Single(e => e.Name.EndsWith("Weights.safetensors", StringComparison.Ordinal));
            ModelKeyName = WeightsName[..^"Weights.safetensors".Length] + "Model.key";
            ModelKey = entries.Single(e => e.Name == ModelKeyName).Content;
            JsonAt = ModelKey.AsSpan().IndexOf(JsonStart);
            if (JsonAt < 8) throw new InvalidOperationException($"no description JSON in {ModelKeyName}");
            JsonLength = BinaryPrimitives.ReadInt32LittleEndian(ModelKey.AsSpan(JsonAt - 4));
            if (BinaryPrimitives.ReadInt64LittleEndian(ModelKey.AsSpan(WeightsLengthAt)) != Weights.Length)
                throw new InvalidOperationException($"{ModelKeyName} does not have the expected layout");
        }

        public string WeightsName { get; }
        public string ModelKeyName { get; }
        public byte[] Weights { get; }
        public byte[] ModelKey { get; }
        public int JsonAt { get; }
        public int JsonLength { get; }
        public int VersionAt => JsonAt - 8;
        public int JsonDigestAt => JsonAt + JsonLength;
        public int WeightsLengthAt => JsonDigestAt + 32;
        public int WeightsDigestAt => WeightsLengthAt + 8;
        public int PayloadEnd => WeightsDigestAt + 32;
        public byte[] Description => ModelKey[JsonAt..JsonDigestAt];

        /// <summary>The name of the part of Model.key that byte <paramref name="at"/> belongs to.</summary>
        public string FieldAt(int at) => at switch
        {
            _ when at < VersionAt => "ML.NET header",
            _ when at < VersionAt + 4 => "format version",
            _ when at < JsonAt => "description length",
            _ when at < JsonDigestAt => "description",
            _ when at < WeightsLengthAt => "description digest",
            _ when at < WeightsDigestAt => "weights length",
            _ when at < PayloadEnd => "weights digest",
            _ => "after the payload",
        };
    }
}

/// <summary>Chaining an edit onto a JSON object.</summary>
internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> edit)
    {
        edit(o);
        return o;
    }
}
