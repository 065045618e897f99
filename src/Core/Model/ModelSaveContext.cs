using System.IO.Compression;
using System.Text.Json.Nodes;

namespace CnnMl.Model;

/// <summary>
/// Where a transformer writes itself in a model file: its <see cref="Kind"/> (the name a loader is
/// registered under in <see cref="TransformerRegistry"/>), JSON <see cref="Options"/>, data entries
/// in the zip, and nested transformers (for chains).
/// </summary>
public sealed class ModelSaveContext
{
    private readonly ZipArchive archive;
    private readonly string prefix;
    private readonly List<ModelSaveContext> children = new();
    private readonly List<string> entries = new();

    internal ModelSaveContext(ZipArchive archive, string prefix)
    {
        this.archive = archive;
        this.prefix = prefix;
    }

    /// <summary>The registered kind of the transformer, e.g. "ValueToKeyMapping".</summary>
    public string Kind { get; set; } = "";

    /// <summary>Options and small state, stored in manifest.json.</summary>
    public JsonObject Options { get; } = new();

    /// <summary>Writes a data entry (for example a .safetensors file) under this transformer's folder.</summary>
    public void WriteEntry(string name, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/') || name.Contains('\\') || name.Contains("..", StringComparison.Ordinal))
            throw new ArgumentException($"entry name '{name}' must be a plain file name", nameof(name));
        var entry = archive.CreateEntry(prefix + name, CompressionLevel.Fastest);
        using (var stream = entry.Open()) write(stream);
        entries.Add(name);
    }

    /// <summary>Saves a nested transformer (a chain's steps) and returns its context.</summary>
    public ModelSaveContext SaveChild(ICanSaveModel child)
    {
        ArgumentNullException.ThrowIfNull(child);
        var context = new ModelSaveContext(archive, $"{prefix}{children.Count}/");
        child.Save(context);
        if (string.IsNullOrEmpty(context.Kind)) throw new InvalidOperationException($"{child.GetType().Name}.Save did not set a Kind");
        children.Add(context);
        return context;
    }

    internal JsonObject ToJson()
    {
        var node = new JsonObject
        {
            ["kind"] = Kind,
            ["options"] = Options.DeepClone(),
        };
        if (entries.Count > 0) node["entries"] = new JsonArray(entries.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray());
        if (children.Count > 0) node["steps"] = new JsonArray(children.Select(c => (JsonNode)c.ToJson()).ToArray());
        return node;
    }
}
