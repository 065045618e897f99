using CnnMl.Torch.Native;
using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch;

public static partial class torch
{
    public static partial class optim
    {
        /// <summary>
        /// Base of the optimizers. Parameters are updated by one native call per step: the arithmetic
        /// of torch.optim's single-tensor code path, issued through libtorch's multi-tensor
        /// (<c>_foreach_</c>) kernels, so a GPU step launches a few kernels rather than a few per
        /// parameter and a CPU step computes exactly what the single-tensor loop would. State is kept
        /// per parameter and can be saved with <see cref="state_dict"/> for checkpoints.
        /// </summary>
        public abstract class Optimizer : IDisposable
        {
            private protected readonly nn.Parameter[] parameters;
            private bool disposed;

            private protected Optimizer(IEnumerable<nn.Parameter> parameters, double lr)
            {
                ArgumentNullException.ThrowIfNull(parameters);
                this.parameters = parameters.ToArray();
                if (this.parameters.Length == 0) throw new ArgumentException("optimizer got an empty parameter list", nameof(parameters));
                if (lr < 0 || double.IsNaN(lr)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "learning rate must be non-negative");
                LearningRate = lr;
                InitialLearningRate = lr;
            }

            /// <summary>The current learning rate (schedulers change it).</summary>
            public double LearningRate { get; set; }

            /// <summary>The learning rate given at construction.</summary>
            public double InitialLearningRate { get; }

            /// <summary>The parameters this optimizer updates.</summary>
            public IReadOnlyList<nn.Parameter> Parameters => parameters;

            /// <summary>Applies one update from the current gradients.</summary>
            public abstract void step();

            /// <summary>Clears the gradients (zeroed in place by default, as torch 1.13).</summary>
            public void zero_grad(bool set_to_none = false) => ZeroGrad(parameters, set_to_none);

            internal static unsafe void ZeroGrad(IReadOnlyList<Tensor> parameters, bool set_to_none)
            {
                using var lease = new HandleLease(parameters);
                fixed (IntPtr* p = lease.Pointers) TorchException.Check(cnn_zero_grad(p, parameters.Count, set_to_none ? 1 : 0));
            }

            /// <summary>
            /// The optimizer state as named tensors ("state.{index}.{name}", index in parameter order)
            /// plus hyper-parameters and step counts; copies, safe to save.
            /// </summary>
            public OptimizerState state_dict()
            {
                var tensors = new Dictionary<string, Tensor>();
                var values = new Dictionary<string, double>
                {
                    ["lr"] = LearningRate,
                };
                SaveState(tensors, values);
                return new OptimizerState(tensors, values);
            }

            /// <summary>Restores state saved by <see cref="state_dict"/> from an optimizer over parameters of the same shapes.</summary>
            public void load_state_dict(OptimizerState state)
            {
                ArgumentNullException.ThrowIfNull(state);
                if (state.Values.TryGetValue("lr", out var lr)) LearningRate = lr;
                LoadState(state);
            }

            private protected abstract void SaveState(Dictionary<string, Tensor> tensors, Dictionary<string, double> values);
            private protected abstract void LoadState(OptimizerState state);

            private protected static void SaveSlots(string name, IntPtr[] slots, Dictionary<string, Tensor> tensors)
            {
                for (int i = 0; i < slots.Length; i++)
                {
                    if (slots[i] == IntPtr.Zero) continue;
                    using var view = new Tensor(cnn_tensor_alias_unowned(slots[i]));
                    tensors[$"state.{i}.{name}"] = view.clone().DetachFromDisposeScope();
                }
            }

            private protected void LoadSlots(string name, IntPtr[] slots, OptimizerState state)
            {
                for (int i = 0; i < slots.Length; i++)
                {
                    FreeSlot(ref slots[i]);
                    if (!state.Tensors.TryGetValue($"state.{i}.{name}", out var saved)) continue;
                    if (!saved.shape.SequenceEqual(parameters[i].shape))
                        throw new ArgumentException($"optimizer state 'state.{i}.{name}' has shape [{string.Join(", ", saved.shape)}] but parameter {i} has shape [{string.Join(", ", parameters[i].shape)}]", nameof(state));
                    using var copy = saved.to(parameters[i].dtype, parameters[i].device, copy: true);
                    slots[i] = cnn_tensor_alias_unowned(copy.Handle.DangerousGetHandle());
                    if (slots[i] == IntPtr.Zero) throw TorchException.FromNative();
                }
            }

            private protected static void FreeSlot(ref IntPtr slot)
            {
                if (slot == IntPtr.Zero) return;
                cnn_tensor_free(slot);
                slot = IntPtr.Zero;
            }

            private protected abstract void FreeState();

            public void Dispose()
            {
                if (disposed) return;
                disposed = true;
                FreeState();
                GC.SuppressFinalize(this);
            }

            ~Optimizer() => FreeState();
        }

        /// <summary>Named tensors and numbers describing an optimizer's state (see <see cref="Optimizer.state_dict"/>).</summary>
        public sealed class OptimizerState(Dictionary<string, Tensor> tensors, Dictionary<string, double> values) : IDisposable
        {
            public Dictionary<string, Tensor> Tensors { get; } = tensors;
            public Dictionary<string, double> Values { get; } = values;

            public void Dispose()
            {
                foreach (var t in Tensors.Values) t.Dispose();
            }
        }
    }
}
