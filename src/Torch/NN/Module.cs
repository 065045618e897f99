using System.Reflection;

namespace CnnMl.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// Base of every network layer and model. Submodules, parameters and buffers are registered
        /// under names (usually their field names, through <see cref="RegisterComponents"/>), which
        /// give PyTorch's state_dict keys such as <c>layer1.0.conv1.weight</c>.
        /// </summary>
        public abstract class Module : IDisposable
        {
            private readonly OrderedDictionary<string, Module> childModules = new();
            private readonly OrderedDictionary<string, Parameter?> ownParameters = new();
            private readonly OrderedDictionary<string, Tensor?> ownBuffers = new();
            private readonly HashSet<string> nonPersistentBuffers = new();
            private bool disposed;

            /// <summary>Creates a module with a type name used in summaries and messages.</summary>
            protected Module(string name) => this.name = name;

            private readonly string name;

            
            /// <summary>The module's type name.</summary>
            public string GetName() => name;

            /// <summary>True in training mode (dropout active, batch norm uses batch statistics).</summary>
            public bool training { get; private set; } = true;

            /// <summary>Registers a submodule under a name.</summary>
            public void register_module(string name, Module module)
            {
                ValidateName(name);
                ArgumentNullException.ThrowIfNull(module);
                childModules[name] = module;
            }

            /// <summary>Registers a parameter (null reserves the name, as PyTorch's bias=None).</summary>
            public void register_parameter(string name, Parameter? parameter)
            {
                ValidateName(name);
                ownParameters[name] = parameter;
            }

            /// <summary>Registers a buffer: state saved in state_dict (when persistent) but not trained.</summary>
            public void register_buffer(string name, Tensor? tensor, bool persistent = true)
            {
                ValidateName(name);
                tensor?.DetachFromDisposeScope();
                ownBuffers[name] = tensor;
                if (!persistent) nonPersistentBuffers.Add(name);
            }

            private static void ValidateName(string name)
            {
                if (string.IsNullOrEmpty(name) || name.Contains('.'))
                    throw new ArgumentException($"module member name '{name}' must be non-empty and contain no '.'", nameof(name));
            }

            /// <summary>
            /// Registers every field of the concrete type that holds a module, parameter or tensor,
            /// under the field's name, in declaration order (base class fields first).
            /// </summary>
            protected void RegisterComponents()
            {
                var types = new Stack<Type>();
                for (var t = GetType(); t != null && t != typeof(Module); t = t.BaseType) types.Push(t);
                foreach (var type in types)
                {
                    foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                    {
                        var fieldName = field.Name.StartsWith('<') ? field.Name[1..field.Name.IndexOf('>')] : field.Name;
                        switch (field.GetValue(this))
                        {
                            case Module m when !childModules.ContainsKey(fieldName): register_module(fieldName, m); break;
                            case Parameter p when !ownParameters.ContainsKey(fieldName): register_parameter(fieldName, p); break;
                            case Tensor t and not Parameter when !ownBuffers.ContainsKey(fieldName): register_buffer(fieldName, t); break;
                        }
                    }
                }
            }

            /// <summary>Direct submodules with their names.</summary>
            public IEnumerable<(string name, Module module)> named_children() => childModules.Select(kv => (kv.Key, kv.Value));

            /// <summary>Direct submodules.</summary>
            public IEnumerable<Module> children() => childModules.Values;

            /// <summary>This module and all descendants, pre-order, with dotted names ("" for this one).</summary>
            public IEnumerable<(string name, Module module)> named_modules()
            {
                yield return ("", this);
                foreach (var (childName, child) in childModules)
                    foreach (var (sub, module) in child.named_modules())
                        yield return (sub.Length == 0 ? childName : childName + "." + sub, module);
            }

            /// <summary>All modules, pre-order.</summary>
            public IEnumerable<Module> modules() => named_modules().Select(m => m.module);

            /// <summary>Parameters with PyTorch-style dotted names.</summary>
            public IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true)
            {
                var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
                foreach (var (prefix, module) in recurse ? named_modules() : new[] { ("", this) })
                    foreach (var (n, p) in module.ownParameters)
                        if (p is not null && seen.Add(p)) yield return (Join(prefix, n), p);
            }

            /// <summary>All parameters.</summary>
            public IEnumerable<Parameter> parameters(bool recurse = true) => named_parameters(recurse).Select(p => p.parameter);

            /// <summary>Buffers with PyTorch-style dotted names (persistent and not).</summary>
            public IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true)
            {
                foreach (var (prefix, module) in recurse ? named_modules() : new[] { ("", this) })
                    foreach (var (n, b) in module.ownBuffers)
                        if (b is not null) yield return (Join(prefix, n), b);
            }

            /// <summary>All buffers.</summary>
            public IEnumerable<Tensor> buffers(bool recurse = true) => named_buffers(recurse).Select(b => b.buffer);

            private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

            /// <summary>
            /// Parameters and persistent buffers by PyTorch key, in PyTorch's order. The tensors are the
            /// module's own (not copies): do not dispose them.
            /// </summary>
            public Dictionary<string, Tensor> state_dict()
            {
                var result = new Dictionary<string, Tensor>();
                foreach (var (prefix, module) in named_modules())
                {
                    foreach (var (n, p) in module.ownParameters)
                        if (p is not null) result.TryAdd(Join(prefix, n), p);
                    foreach (var (n, b) in module.ownBuffers)
                        if (b is not null && !module.nonPersistentBuffers.Contains(n)) result.TryAdd(Join(prefix, n), b);
                }
                return result;
            }

            /// <summary>
            /// Copies values from <paramref name="source"/> into this module's parameters and buffers.
            /// Shapes must match. With <paramref name="strict"/>, missing or unexpected keys are an error.
            /// </summary>
            public (IList<string> missing_keys, IList<string> unexpected_keys) load_state_dict(IReadOnlyDictionary<string, Tensor> source, bool strict = true)
            {
                ArgumentNullException.ThrowIfNull(source);
                var own = state_dict();
                var missing = own.Keys.Where(k => !source.ContainsKey(k)).ToList();
                var unexpected = source.Keys.Where(k => !own.ContainsKey(k)).ToList();
                var errors = new List<string>();
                if (strict)
                {
                    if (missing.Count > 0) errors.Add("missing key(s) in state_dict: " + string.Join(", ", missing.Select(k => $"\"{k}\"")));
                    if (unexpected.Count > 0) errors.Add("unexpected key(s) in state_dict: " + string.Join(", ", unexpected.Select(k => $"\"{k}\"")));
                }
                foreach (var (key, target) in own)
                {
                    if (!source.TryGetValue(key, out var value)) continue;
                    var expected = target.shape;
                    var actual = value.shape;
                    if (!expected.SequenceEqual(actual))
                        errors.Add($"size mismatch for {key}: copying a tensor with shape [{string.Join(", ", actual)}] from the state_dict, the shape in the current model is [{string.Join(", ", expected)}]");
                }
                if (errors.Count > 0)
                    throw new ArgumentException($"error(s) in loading state_dict for {name}:\n\t" + string.Join("\n\t", errors), nameof(source));
                using (no_grad())
                {
                    foreach (var (key, target) in own)
                        if (source.TryGetValue(key, out var value)) target.copy_(value);
                }
                return (missing, unexpected);
            }

            /// <summary>Sets training mode on this module and every descendant.</summary>
            public virtual Module train(bool on = true)
            {
                training = on;
                foreach (var child in childModules.Values) child.train(on);
                return this;
            }

            /// <summary>Sets evaluation mode.</summary>
            public Module eval() => train(false);

            /// <summary>Moves and/or converts every parameter and buffer in place (the objects are kept, so optimizers stay valid).</summary>
            public Module to(Device device, ScalarType? dtype = null)
            {
                using var scope = NewDisposeScope();
                using (no_grad())
                {
                    foreach (var (_, p) in named_parameters())
                        p.set_data(p.to(dtype ?? p.dtype, device));
                    foreach (var (_, b) in named_buffers())
                    {
                        var type = dtype is { } d && is_floating_point(b.dtype) ? d : b.dtype;
                        b.set_data(b.to(type, device));
                    }
                }
                return this;
            }

            /// <summary>Converts floating-point parameters and buffers to another dtype.</summary>
            public Module to(ScalarType dtype)
            {
                var first = named_parameters().Select(p => p.parameter.device).FirstOrDefault() ?? CPU;
                return to(first, dtype);
            }

            /// <summary>Moves everything to the CPU.</summary>
            public Module cpu() => to(CPU);

            /// <summary>Moves everything to the current CUDA device.</summary>
            public Module cuda() => to(CUDA);

            /// <summary>Clears the gradient of every parameter.</summary>
            public void zero_grad(bool set_to_none = false) => optim.Optimizer.ZeroGrad(parameters().ToArray(), set_to_none);

            /// <summary>Frees every parameter, buffer and submodule.</summary>
            public void Dispose()
            {
                Dispose(true);
                GC.SuppressFinalize(this);
            }

            protected virtual void Dispose(bool disposing)
            {
                if (disposed || !disposing) return;
                disposed = true;
                foreach (var child in childModules.Values) child.Dispose();
                foreach (var p in ownParameters.Values) p?.Dispose();
                foreach (var b in ownBuffers.Values) b?.Dispose();
            }

            public override string ToString() => name;
        }

        /// <summary>A module with one input and one output.</summary>
        public abstract class Module<T, TResult> : Module
        {
            protected Module(string name) : base(name) { }

            /// <summary>Computes the output.</summary>
            public abstract TResult forward(T input);

            private List<Action<Module<T, TResult>, T, TResult>>? forwardHooks;

            /// <summary>Runs <see cref="forward"/>, then any forward hooks.</summary>
            public TResult call(T input)
            {
                var output = forward(input);
                if (forwardHooks is { Count: > 0 } hooks)
                    foreach (var hook in hooks.ToArray()) hook(this, input, output);
                return output;
            }

            /// <summary>
            /// Registers a hook called after every <see cref="call"/> with the module, its input and its
            /// output (which the hook must not dispose). Dispose the returned handle to remove it.
            /// </summary>
            public IDisposable register_forward_hook(Action<Module<T, TResult>, T, TResult> hook)
            {
                ArgumentNullException.ThrowIfNull(hook);
                (forwardHooks ??= new()).Add(hook);
                return new HookHandle(() => forwardHooks.Remove(hook));
            }
        }

        private sealed class HookHandle(Action remove) : IDisposable
        {
            private Action? remove = remove;

            public void Dispose()
            {
                remove?.Invoke();
                remove = null;
            }
        }

        /// <summary>A module with two inputs and one output (losses).</summary>
        public abstract class Module<T1, T2, TResult> : Module
        {
            protected Module(string name) : base(name) { }

            /// <summary>Computes the output.</summary>
            public abstract TResult forward(T1 input1, T2 input2);

            /// <summary>Runs <see cref="forward"/>.</summary>
            public TResult call(T1 input1, T2 input2) => forward(input1, input2);
        }
    }
}
