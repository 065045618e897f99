using System.Text.Json.Nodes;

namespace CnnMl.Model;

/// <summary>
/// What a transformer loader receives: the kind, options and nested steps read from manifest.json,
/// and access to the transformer's data entries in the zip (validated, size-limited).
/// </summary>
public sealed class ModelLoadContext
{
    private readonly Func<string, Stream> openEntry;

    internal ModelLoadContext(string kind, JsonObject options, IReadOnlyList<string> entries, IReadOnlyList<ModelLoadContext> steps, Func<string, Stream> openEntry)
    {
        Kind = kind;
        Options = options;
        Entries = entries;
        Steps = steps;
        this.openEntry = openEntry;
    }

    public string Kind { get; }
    public JsonObject Options { get; }

    /// <summary>Names of this transformer's data entries.</summary>
    public IReadOnlyList<string> Entries { get; }

    /// <summary>Nested transformers (for chains), in order.</summary>
    public IReadOnlyList<ModelLoadContext> Steps { get; }

    /// <summary>Opens one of <see cref="Entries"/> for reading.</summary>
    public Stream OpenEntry(string name)
    {
        if (!Entries.Contains(name)) throw new InvalidDataException($"model entry '{name}' of {Kind} is not listed in the manifest");
        return openEntry(name);
    }

    /// <summary>A required option; a missing or mistyped value is an <see cref="InvalidDataException"/> naming it.</summary>
    public T Get<T>(string name)
    {
        if (Options[name] is not JsonNode node) throw new InvalidDataException($"model manifest: {Kind} lacks option '{name}'");
        try
        {
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"model manifest: {Kind} option '{name}' is not a {typeof(T).Name}", e);
        }
    }

    /// <summary>An optional option.</summary>
    public T GetOrDefault<T>(string name, T fallback) => Options[name] is null ? fallback : Get<T>(name);

    /// <summary>A required array of strings.</summary>
    public string[] GetStrings(string name)
    {
        if (Options[name] is not JsonArray array) throw new InvalidDataException($"model manifest: {Kind} lacks string array '{name}'");
        return array.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new InvalidDataException($"model manifest: {Kind} option '{name}' holds a non-string")).ToArray();
    }
}

/// <summary>
/// Maps the kind names in model files to loaders. Built-in transformers register themselves; a
/// library adds its own (trainers' transformers) with <see cref="Register"/>. No code is ever
/// deserialized: only registered kinds can be loaded.
/// </summary>
public static class TransformerRegistry
{
    private static readonly Dictionary<string, Func<ModelLoadContext, ITransformer>> Loaders = new();
    private static readonly object Gate = new();

    static TransformerRegistry() => BuiltInTransformers.Register();

    /// <summary>Registers (or replaces) the loader of a kind.</summary>
    public static void Register(string kind, Func<ModelLoadContext, ITransformer> loader)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(loader);
        lock (Gate) Loaders[kind] = loader;
    }

    /// <summary>The registered kinds.</summary>
    public static IReadOnlyCollection<string> Kinds
    {
        get
        {
            lock (Gate) return Loaders.Keys.ToArray();
        }
    }

    /// <summary>Loads a transformer of a registered kind.</summary>
    public static ITransformer Load(ModelLoadContext context)
    {
        Func<ModelLoadContext, ITransformer>? loader;
        lock (Gate) Loaders.TryGetValue(context.Kind, out loader);
        if (loader is null && LoadCnnMlAssemblies())
            lock (Gate) Loaders.TryGetValue(context.Kind, out loader);
        if (loader is null)
            throw new InvalidDataException($"model file holds a transformer of unknown kind '{context.Kind}'; known kinds: {string.Join(", ", Kinds.Order())}. A library that defines it must be loaded first.");
        return loader(context);
    }

    private static bool assembliesLoaded;

    /// <summary>
    /// Loads the CnnMl libraries next to the application that are not loaded yet, running their
    /// module initializers, which register their transformer kinds. Returns false when already done.
    /// </summary>
    private static bool LoadCnnMlAssemblies()
    {
        lock (Gate)
        {
            if (assembliesLoaded) return false;
            assembliesLoaded = true;
        }
        var loaded = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).ToHashSet();
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory, "CnnMl.*.dll"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (loaded.Contains(name)) continue;
            try
            {
                var assembly = System.Reflection.Assembly.Load(new System.Reflection.AssemblyName(name));
                System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
            }
            catch (Exception e) when (e is FileNotFoundException or BadImageFormatException or FileLoadException)
            {
            }
        }
        return true;
    }
}
