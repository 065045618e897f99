using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using CnnMl.Data;

namespace CnnMl.Model;

/// <summary>
/// Reads model files. Everything is validated before any transformer loader runs: the zip's
/// entry names (no absolute paths, "..", backslashes), declared sizes (capped; nothing is
/// allocated from a declared size), the manifest's JSON, format version and schema, every step's
/// kind (registered) and data entries (present). Every problem is an <see cref="InvalidDataException"/>
/// whose message names the file and the problem.
/// </summary>
internal static class ModelReader
{
    public static ITransformer Read(Stream stream, string source, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("the stream is not readable", nameof(stream));
        try
        {
            var seekable = stream.CanSeek ? stream : CopyToMemory(stream);
            using var archive = OpenArchive(seekable);
            var entries = IndexEntries(archive);
            var manifest = ReadManifest(entries);
            CheckVersion(manifest);
            inputSchema = SchemaJson.Read(manifest["inputSchema"]);
            var root = ReadStep(manifest["pipeline"], "pipeline", ModelFormat.RootFolder, 0, entries);
            CheckKinds(root, TransformerRegistry.Kinds.ToHashSet());
            try
            {
                return TransformerRegistry.Load(root);
            }
            catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException and not OperationCanceledException)
            {
                throw new InvalidDataException($"a {root.Kind} step could not be loaded: {e.Message}", e);
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"model file {source}: {e.Message}", e);
        }
    }

    private static MemoryStream CopyToMemory(Stream stream)
    {
        var memory = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            if (memory.Length + read > ModelFormat.MaxUnseekableBytes)
                throw new InvalidDataException($"the model stream is larger than {ModelFormat.MaxUnseekableBytes} bytes");
            memory.Write(buffer, 0, read);
        }
        memory.Position = 0;
        return memory;
    }

    private static ZipArchive OpenArchive(Stream stream)
    {
        try
        {
            return new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"not a readable zip archive (truncated or corrupt): {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"not a readable zip archive (truncated or corrupt): {e.Message}", e);
        }
    }

    /// <summary>The archive's entries by full name, after checking names, count and declared sizes.</summary>
    private static Dictionary<string, ZipArchiveEntry> IndexEntries(ZipArchive archive)
    {
        IReadOnlyCollection<ZipArchiveEntry> all;
        try
        {
            all = archive.Entries;
        }
        catch (Exception e) when (e is IOException or ArgumentException)
        {
            throw new InvalidDataException($"the zip directory is corrupt: {e.Message}", e);
        }
        if (all.Count > ModelFormat.MaxEntries) throw new InvalidDataException($"the archive holds {all.Count} entries, more than the {ModelFormat.MaxEntries} allowed");
        var index = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in all)
        {
            if (ModelFormat.UnsafeZipName(entry.FullName) is { } why)
                throw new InvalidDataException($"entry '{entry.FullName}' has {why}; model entries must stay inside the archive");
            if (!index.TryAdd(entry.FullName, entry)) throw new InvalidDataException($"entry '{entry.FullName}' appears twice");
            var cap = entry.FullName == ModelFormat.ManifestName ? ModelFormat.MaxManifestBytes : ModelFormat.MaxEntryBytes;
            if (entry.Length < 0 || entry.Length > cap || entry.CompressedLength < 0 || entry.CompressedLength > cap)
                throw new InvalidDataException($"entry '{entry.FullName}' declares {entry.Length} bytes ({entry.CompressedLength} compressed), more than the {cap} allowed");
        }
        return index;
    }

    private static JsonObject ReadManifest(Dictionary<string, ZipArchiveEntry> entries)
    {
        if (!entries.TryGetValue(ModelFormat.ManifestName, out var entry)) throw new InvalidDataException($"it has no {ModelFormat.ManifestName}; it is not a CnnMl model file");
        var bytes = new byte[entry.Length];
        using (var stream = Open(entry))
        {
            stream.ReadExactly(bytes);
            _ = stream.Read(new byte[1]);
        }
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 4 * ModelFormat.MaxDepth + 16, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{ModelFormat.ManifestName} is not valid JSON: {e.Message}", e);
        }
        return node as JsonObject ?? throw new InvalidDataException($"{ModelFormat.ManifestName} is not a JSON object");
    }

    private static void CheckVersion(JsonObject manifest)
    {
        if (manifest["formatVersion"] is not JsonValue value || !value.TryGetValue<int>(out var version))
            throw new InvalidDataException($"{ModelFormat.ManifestName} lacks an integer 'formatVersion'");
        if (version != ModelFormat.Version)
            throw new InvalidDataException($"format version {version} is not supported; this CnnMl ({ModelFormat.LibraryVersion}) reads version {ModelFormat.Version}");
    }

    private static ModelLoadContext ReadStep(JsonNode? node, string where, string folder, int depth, Dictionary<string, ZipArchiveEntry> entries)
    {
        if (depth > ModelFormat.MaxDepth) throw new InvalidDataException($"{where}: steps are nested deeper than {ModelFormat.MaxDepth}");
        if (node is not JsonObject step) throw new InvalidDataException($"{where} is not a JSON object");
        if (step["kind"] is not JsonValue kindValue || !kindValue.TryGetValue<string>(out var kind) || kind.Length == 0)
            throw new InvalidDataException($"{where} lacks a 'kind'");
        var options = step["options"] switch
        {
            null => new JsonObject(),
            JsonObject o => (JsonObject)o.DeepClone(),
            _ => throw new InvalidDataException($"{where} ({kind}): 'options' is not an object"),
        };
        var names = new List<string>();
        if (step["entries"] is { } entryList)
        {
            if (entryList is not JsonArray array) throw new InvalidDataException($"{where} ({kind}): 'entries' is not an array");
            foreach (var item in array)
            {
                if (item is not JsonValue v || !v.TryGetValue<string>(out var name)) throw new InvalidDataException($"{where} ({kind}): 'entries' holds a non-string");
                if (!ModelFormat.IsPlainEntryName(name)) throw new InvalidDataException($"{where} ({kind}): entry name '{name}' is not a plain file name (it would escape its folder)");
                if (names.Contains(name)) throw new InvalidDataException($"{where} ({kind}): entry '{name}' is listed twice");
                if (!entries.ContainsKey(folder + name)) throw new InvalidDataException($"{where} ({kind}): entry '{folder + name}' is missing from the archive");
                names.Add(name);
            }
        }
        var steps = new List<ModelLoadContext>();
        if (step["steps"] is { } stepList)
        {
            if (stepList is not JsonArray array) throw new InvalidDataException($"{where} ({kind}): 'steps' is not an array");
            for (int i = 0; i < array.Count; i++)
                steps.Add(ReadStep(array[i], $"{where}.steps[{i}]", $"{folder}{i}/", depth + 1, entries));
        }
        return new ModelLoadContext(kind, options, names, steps, name => Open(entries[folder + name]));
    }

    private static void CheckKinds(ModelLoadContext step, HashSet<string> known)
    {
        if (!known.Contains(step.Kind))
            throw new InvalidDataException($"it holds a transformer of unknown kind '{step.Kind}'; known kinds: {string.Join(", ", known.Order())}. A library that defines it must be loaded first.");
        foreach (var child in step.Steps) CheckKinds(child, known);
    }

    private static Stream Open(ZipArchiveEntry entry)
    {
        Stream inner;
        try
        {
            inner = entry.Open();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new InvalidDataException($"entry '{entry.FullName}' cannot be opened: {e.Message}", e);
        }
        return new BoundedReadStream(inner, entry.Length, entry.FullName, entry.Crc32);
    }
}
