using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using CnnMl.Data;

namespace CnnMl.Model;

/// <summary>Writes model files (see <see cref="ModelFormat"/>); to a path, atomically.</summary>
internal static class ModelWriter
{
    public static void Write(ITransformer model, DataViewSchema? inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("the stream is not writable", nameof(stream));
        // The schema is described before anything is written, so an unsupported column fails early.
        var schema = inputSchema is null ? null : SchemaJson.Write(inputSchema);
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        var root = new ModelSaveContext(archive, ModelFormat.RootFolder);
        model.Save(root);
        if (string.IsNullOrEmpty(root.Kind)) throw new InvalidOperationException($"{model.GetType().Name}.Save did not set a Kind");
        var manifest = new JsonObject
        {
            ["formatVersion"] = ModelFormat.Version,
            ["createdBy"] = ModelFormat.CreatedBy,
            ["version"] = ModelFormat.LibraryVersion,
            ["inputSchema"] = schema,
            ["pipeline"] = root.ToJson(),
        };
        var entry = archive.CreateEntry(ModelFormat.ManifestName, CompressionLevel.Optimal);
        using var output = entry.Open();
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        manifest.WriteTo(writer);
    }

    /// <summary>Writes to a temporary file next to <paramref name="filePath"/>, flushes it to disk, then renames it over the target.</summary>
    public static void Write(ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var full = Path.GetFullPath(filePath);
        var folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{filePath}' has no folder", nameof(filePath));
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Write(model, inputSchema, file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
            throw;
        }
    }
}
