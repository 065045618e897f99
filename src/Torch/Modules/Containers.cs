using static CnnMl.Torch.torch;

namespace CnnMl.Torch.Modules;

/// <summary>Runs its modules in order; they are named "0", "1", ... unless names are given.</summary>
public sealed class Sequential : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> layers = new();

    /// <summary>An empty container; add layers with <see cref="append(nn.Module{Tensor, Tensor})"/>.</summary>
    public Sequential() : base(nameof(Sequential)) { }

    public Sequential(params nn.Module<Tensor, Tensor>[] modules) : base(nameof(Sequential))
    {
        foreach (var module in modules) append(module);
    }

    public Sequential(params (string name, nn.Module<Tensor, Tensor> module)[] modules) : base(nameof(Sequential))
    {
        foreach (var (name, module) in modules) append(name, module);
    }

    /// <summary>Adds a module named by its position.</summary>
    public Sequential append(nn.Module<Tensor, Tensor> module) => append(layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);

    /// <summary>Adds a named module.</summary>
    public Sequential append(string name, nn.Module<Tensor, Tensor> module)
    {
        register_module(name, module);
        layers.Add(module);
        return this;
    }

    public int Count => layers.Count;

    /// <summary>The layer at a position; setting it replaces the layer under the same name (the old one is not disposed).</summary>
    public nn.Module<Tensor, Tensor> this[int index]
    {
        get => layers[index];
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            var name = named_children().ElementAt(index).name;
            register_module(name, value);
            layers[index] = value;
        }
    }

    /// <summary>
    /// Runs each layer; intermediate results are disposed as soon as the next layer has consumed them
    /// (the graph keeps what backward needs).
    /// </summary>
    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in layers)
        {
            var next = layer.call(x);
            if (!ReferenceEquals(x, input) && !ReferenceEquals(next, x)) x.Dispose();
            x = next;
        }
        return ReferenceEquals(x, input) ? input.alias() : x;
    }
}

/// <summary>A list of modules registered as "0", "1", ...; its owner decides how to call them.</summary>
public sealed class ModuleList<T> : nn.Module, IReadOnlyList<T> where T : nn.Module
{
    private readonly List<T> items = new();

    public ModuleList(params T[] modules) : base(nameof(ModuleList<T>))
    {
        foreach (var module in modules) Add(module);
    }

    public void Add(T module)
    {
        register_module(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        items.Add(module);
    }

    public T this[int index] => items[index];
    public int Count => items.Count;
    public IEnumerator<T> GetEnumerator() => items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Modules registered under their keys, in insertion order.</summary>
public sealed class ModuleDict<T> : nn.Module, IReadOnlyDictionary<string, T> where T : nn.Module
{
    private readonly OrderedDictionary<string, T> items = new();

    public ModuleDict(params (string name, T module)[] modules) : base(nameof(ModuleDict<T>))
    {
        foreach (var (name, module) in modules) Add(name, module);
    }

    public void Add(string name, T module)
    {
        register_module(name, module);
        items.Add(name, module);
    }

    public T this[string key] => items[key];
    public IEnumerable<string> Keys => items.Keys;
    public IEnumerable<T> Values => items.Values;
    public int Count => items.Count;
    public bool ContainsKey(string key) => items.ContainsKey(key);
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T value) => items.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<string, T>> GetEnumerator() => items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
