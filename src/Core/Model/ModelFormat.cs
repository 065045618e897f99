namespace CnnMl.Model;

/// <summary>
/// The layout and limits of CnnMl model files: a zip holding <c>manifest.json</c> (format version,
/// creator, input schema and the pipeline as nested <c>{kind, options, entries, steps}</c>) and the
/// steps' data entries under <c>model/</c> (a chain's step i under <c>model/i/</c>, recursively).
/// </summary>
internal static class ModelFormat
{
    /// <summary>The only manifest format this version reads and writes.</summary>
    public const int Version = 1;

    public const string ManifestName = "manifest.json";

    /// <summary>The folder of the root transformer's entries.</summary>
    public const string RootFolder = "model/";

    public const string CreatedBy = "CnnMl";

    /// <summary>Largest manifest.json accepted (uncompressed).</summary>
    public const long MaxManifestBytes = 16L << 20;

    /// <summary>Largest data entry accepted (uncompressed): a network's weights, well above VGG-19's 550 MB.</summary>
    public const long MaxEntryBytes = 2L << 30;

    /// <summary>Most entries a model file may hold.</summary>
    public const int MaxEntries = 100_000;

    /// <summary>Deepest nesting of pipeline steps.</summary>
    public const int MaxDepth = 32;

    /// <summary>Largest model read from a stream that cannot seek (it is copied to memory first).</summary>
    public const long MaxUnseekableBytes = int.MaxValue - 64;

    /// <summary>The version of the library writing the file.</summary>
    public static string LibraryVersion { get; } =
        typeof(ModelFormat).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    /// <summary>Whether <paramref name="name"/> is a plain entry name: no folders, no "..", no drive or control characters.</summary>
    public static bool IsPlainEntryName(string name) =>
        name.Length is > 0 and <= 255 && name != "." && !name.Contains("..", StringComparison.Ordinal)
        && name.IndexOfAny(new[] { '/', '\\', ':' }) < 0 && !name.Any(char.IsControl);

    /// <summary>Why a full zip entry name is unsafe (absolute, escaping, backslashes), or null when it is safe.</summary>
    public static string? UnsafeZipName(string fullName)
    {
        if (fullName.Length == 0) return "an empty name";
        if (fullName.Any(char.IsControl)) return "control characters";
        if (fullName.Contains('\\')) return "a backslash";
        if (fullName.StartsWith('/') || fullName.Contains(':')) return "an absolute path";
        if (fullName.Split('/').Any(s => s is ".." or ".")) return "a '..' or '.' segment that escapes the archive folder";
        return null;
    }
}
