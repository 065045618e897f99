using System.Runtime.CompilerServices;
using static CnnMl.Torch.torch;

namespace CnnMl.Torch;

/// <summary>
/// One tensor operation seen while an <see cref="IOperationTracer"/> was installed: its name (the
/// binding's method name, e.g. <c>conv2d</c>, <c>relu_</c>, <c>cat</c>), the tensors it read (null
/// where an optional tensor was absent), the tensor it produced (for an in-place operation, the first
/// input itself, now holding the new value) and its non-tensor arguments.
/// </summary>
public sealed class TracedOperation
{
    private static readonly IReadOnlyDictionary<string, object> NoAttributes = new Dictionary<string, object>();

    internal TracedOperation(string name, Tensor?[] inputs, Tensor output, IReadOnlyDictionary<string, object>? attributes)
    {
        Name = name;
        Inputs = inputs;
        Output = output;
        Attributes = attributes ?? NoAttributes;
    }

    /// <summary>The operation's name.</summary>
    public string Name { get; }

    /// <summary>The tensors the operation read, in argument order.</summary>
    public IReadOnlyList<Tensor?> Inputs { get; }

    /// <summary>The tensor the operation produced.</summary>
    public Tensor Output { get; }

    /// <summary>The non-tensor arguments by name (long[] for sizes, double, long, bool).</summary>
    public IReadOnlyDictionary<string, object> Attributes { get; }

    /// <summary>The attribute <paramref name="name"/>, which must be present with type <typeparamref name="T"/>.</summary>
    public T Attribute<T>(string name) => Attributes.TryGetValue(name, out var value) && value is T typed
        ? typed
        : throw new InvalidOperationException($"traced operation '{Name}' has no {typeof(T).Name} attribute '{name}'");

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Receives the operations of a forward pass run under <see cref="OperationTracing.Trace"/>.</summary>
public interface IOperationTracer
{
    /// <summary>Called after each traced operation has run, on the thread that ran it.</summary>
    void Record(TracedOperation operation);
}

/// <summary>
/// Records the tensor operations a thread runs, the way <c>torch.jit.trace</c> does: a network's
/// forward pass run under <see cref="Trace"/> reports each of its operations, in order, to the
/// tracer (the ONNX exporter builds its graph from them). Every in-place operation reports itself;
/// an operation that produces a new tensor reports itself when the binding knows how to describe it,
/// so a consumer meets the output of any other one as a tensor it has not seen, and can refuse it.
/// Costs one thread-local read per operation when no tracer is installed.
/// </summary>
public static class OperationTracing
{
    [ThreadStatic] private static IOperationTracer? current;

    /// <summary>True while a tracer is installed on this thread.</summary>
    public static bool IsActive => current is not null;

    /// <summary>
    /// Installs <paramref name="tracer"/> on this thread until the returned handle is disposed (on the
    /// same thread). One tracer at a time.
    /// </summary>
    public static IDisposable Trace(IOperationTracer tracer)
    {
        ArgumentNullException.ThrowIfNull(tracer);
        if (current is not null) throw new InvalidOperationException("an operation tracer is already installed on this thread");
        current = tracer;
        return new Installed(tracer);
    }

    private sealed class Installed(IOperationTracer tracer) : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (disposed) return;
            if (!ReferenceEquals(current, tracer)) throw new InvalidOperationException("an operation tracer must be removed on the thread that installed it");
            current = null;
            disposed = true;
        }
    }

    /// <summary>Reports a one-input operation without attributes; returns <paramref name="output"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static torch.Tensor Traced(torch.Tensor output, string name, torch.Tensor input)
    {
        current?.Record(new TracedOperation(name, [input], output, null));
        return output;
    }

    /// <summary>Reports a two-input operation without attributes; returns <paramref name="output"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static torch.Tensor Traced(torch.Tensor output, string name, torch.Tensor input, torch.Tensor? other)
    {
        current?.Record(new TracedOperation(name, [input, other], output, null));
        return output;
    }

    /// <summary>Reports an operation with attributes; call it only when <see cref="IsActive"/>.</summary>
    internal static void Record(string name, torch.Tensor output, torch.Tensor?[] inputs, params (string Name, object Value)[] attributes) =>
        current?.Record(new TracedOperation(name, inputs, output, attributes.ToDictionary(a => a.Name, a => a.Value)));
}
