namespace CnnMl.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost open scope and disposes
/// them together, as TorchSharp's <c>torch.NewDisposeScope()</c>. Tensors to keep are moved out
/// with <see cref="MoveToOuter(torch.Tensor)"/> (to the enclosing scope, or to no scope) or
/// <see cref="Detach(torch.Tensor)"/>. Finalizers remain only a fallback.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? current;

    private readonly List<torch.Tensor> owned = new();
    private bool disposed;

    internal DisposeScope()
    {
        Outer = current;
        current = this;
    }

    /// <summary>The scope that was innermost when this one was opened.</summary>
    public DisposeScope? Outer { get; }

    /// <summary>Number of tensors this scope currently owns.</summary>
    public int Count => owned.Count(t => t.OwningScope == this);

    internal static DisposeScope? Current => current;

    internal void Add(torch.Tensor tensor)
    {
        tensor.OwningScope = this;
        owned.Add(tensor);
    }

    /// <summary>Hands the tensor to the enclosing scope (or to no scope), so it outlives this one.</summary>
    public torch.Tensor MoveToOuter(torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.OwningScope != this) return tensor;
        tensor.OwningScope = null;
        Outer?.Add(tensor);
        return tensor;
    }

    /// <summary>Hands several tensors to the enclosing scope.</summary>
    public void MoveToOuter(params torch.Tensor[] tensors)
    {
        foreach (var tensor in tensors) MoveToOuter(tensor);
    }

    /// <summary>Removes the tensor from every scope: the caller disposes it.</summary>
    public torch.Tensor Detach(torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.OwningScope == this) tensor.OwningScope = null;
        return tensor;
    }

    /// <summary>Disposes every tensor still owned by this scope and closes it.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var tensor in owned)
        {
            if (tensor.OwningScope == this)
            {
                tensor.OwningScope = null;
                tensor.Dispose();
            }
        }
        owned.Clear();
        if (current == this) current = Outer;
    }
}

public static partial class torch
{
    /// <summary>Opens a dispose scope on this thread; dispose it to free every tensor created inside.</summary>
    public static DisposeScope NewDisposeScope() => new();
}
