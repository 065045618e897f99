using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch;

public static partial class torch
{
    public partial class Tensor
    {
        private void CheckElementType<T>() where T : unmanaged
        {
            var wanted = DTypeOf<T>();
            var actual = dtype;
            if (wanted != actual)
                throw new ArgumentException($"the tensor holds {actual} elements, not {typeof(T).Name} ({wanted}); convert with to({wanted}) first");
        }

        /// <summary>Copies the elements, in row-major order, into a new array (from any device or layout).</summary>
        public unsafe T[] ToArray<T>() where T : unmanaged
        {
            CheckElementType<T>();
            var result = new T[NumberOfElements];
            fixed (T* p = result) TorchException.Check(cnn_tensor_copy_to(Handle, p, (long)result.Length * sizeof(T)));
            return result;
        }

        /// <summary>Copies the elements, in row-major order, into <paramref name="destination"/>, which must hold exactly numel() elements.</summary>
        public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
        {
            CheckElementType<T>();
            fixed (T* p = destination) TorchException.Check(cnn_tensor_copy_to(Handle, p, (long)destination.Length * sizeof(T)));
        }

        /// <summary>Overwrites the elements from <paramref name="source"/> (row-major, exactly numel() elements), without recording autograd.</summary>
        public unsafe Tensor CopyFrom<T>(ReadOnlySpan<T> source, bool non_blocking = false) where T : unmanaged
        {
            CheckElementType<T>();
            fixed (T* p = source) TorchException.Check(cnn_tensor_copy_from(Handle, p, (long)source.Length * sizeof(T), non_blocking ? 1 : 0));
            return this;
        }

        /// <summary>
        /// A view of the elements of a contiguous CPU tensor, without copying. The span is valid only
        /// while the tensor is alive and not resized.
        /// </summary>
        public unsafe Span<T> data<T>() where T : unmanaged
        {
            CheckElementType<T>();
            if (device_type != DeviceType.CPU) throw new InvalidOperationException($"data<T>() needs a CPU tensor; this one is on {device}: copy it with cpu() or use ToArray<T>()");
            if (!is_contiguous()) throw new InvalidOperationException("data<T>() needs a contiguous tensor: call contiguous() first");
            var p = cnn_tensor_data_ptr(Handle);
            if (p == IntPtr.Zero && NumberOfElements > 0) throw TorchException.FromNative();
            return new Span<T>((void*)p, checked((int)NumberOfElements));
        }

        /// <summary>The single value of a one-element tensor.</summary>
        public T item<T>() where T : unmanaged
        {
            if (NumberOfElements != 1) throw new InvalidOperationException($"item() needs a tensor with one element, this one has {NumberOfElements}");
            if (typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(short) || typeof(T) == typeof(byte) || typeof(T) == typeof(bool))
            {
                TorchException.Check(cnn_tensor_item_long(Handle, out var value));
                if (typeof(T) == typeof(bool)) return (T)(object)(value != 0);
                return (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
            }
            TorchException.Check(cnn_tensor_item_double(Handle, out var d));
            if (typeof(T) == typeof(double)) return (T)(object)d;
            if (typeof(T) == typeof(float)) return (T)(object)(float)d;
            throw new NotSupportedException($"item<{typeof(T).Name}>() is not supported");
        }

        /// <summary>Converts to another dtype and/or device (a new tensor unless nothing changes and copy is false).</summary>
        public Tensor to(ScalarType type, Device device, bool non_blocking = false, bool copy = false) =>
            new(cnn_tensor_to(Handle, (int)type, (int)device.type, device.index, non_blocking ? 1 : 0, copy ? 1 : 0));

        /// <summary>Converts to another dtype.</summary>
        public Tensor to(ScalarType type, bool non_blocking = false, bool copy = false) => to(type, device, non_blocking, copy);

        /// <summary>Moves to another device.</summary>
        public Tensor to(Device device, bool non_blocking = false, bool copy = false) => to(dtype, device, non_blocking, copy);

        /// <summary>
        /// Returns a tensor in the given memory format, as PyTorch's <c>to(memory_format=...)</c>: itself when
        /// its strides already suggest that format, else a copy with that format's strides, even when the
        /// tensor is contiguous in both layouts (a [C, K, 1, 1] weight), where <see cref="contiguous(MemoryFormat)"/>
        /// returns it unchanged.
        /// </summary>
        public Tensor to(MemoryFormat memory_format) => new(cnn_tensor_to_memory_format(Handle, (int)memory_format));

        /// <summary>Moves to another device given as "cpu" or "cuda:N".</summary>
        public Tensor to(string device) => to(torch.device(device));

        /// <summary>A copy on the CPU (or this tensor's data when it is already there).</summary>
        public Tensor cpu() => to(CPU);

        /// <summary>A copy on the current CUDA device.</summary>
        public Tensor cuda() => to(CUDA);

        /// <summary>Converts to float32.</summary>
        public Tensor @float() => to(ScalarType.Float32);

        /// <summary>Converts to float64.</summary>
        public Tensor @double() => to(ScalarType.Float64);

        /// <summary>Converts to int64.</summary>
        public Tensor @long() => to(ScalarType.Int64);

        /// <summary>Converts to int32.</summary>
        public Tensor @int() => to(ScalarType.Int32);

        /// <summary>Converts to bool.</summary>
        public Tensor @bool() => to(ScalarType.Bool);

        /// <summary>A copy in page-locked host memory, for asynchronous copies to a GPU.</summary>
        public Tensor pin_memory() => new(cnn_tensor_pin_memory(Handle));

        /// <summary>True when the tensor lives in page-locked host memory.</summary>
        public bool is_pinned() => Checked(cnn_tensor_is_pinned(Handle)) == 1;

        /// <summary>A row-major contiguous tensor (this data when already contiguous).</summary>
        public Tensor contiguous() => new(cnn_tensor_contiguous(Handle, (int)MemoryFormat.Contiguous));

        /// <summary>A tensor contiguous in the given memory format, e.g. <see cref="channels_last"/>.</summary>
        public Tensor contiguous(MemoryFormat memory_format) => new(cnn_tensor_contiguous(Handle, (int)memory_format));

        /// <summary>A second handle to the same tensor (same storage and autograd identity).</summary>
        public Tensor alias() => OperationTracing.Traced(new(cnn_tensor_alias(Handle)), "alias", this);

        /// <summary>A tensor sharing storage but detached from the autograd graph.</summary>
        public Tensor detach() => new(cnn_tensor_detach(Handle));

        /// <summary>Detaches this tensor from the graph in place.</summary>
        public Tensor detach_()
        {
            TorchException.Check(cnn_tensor_detach_(Handle));
            return this;
        }

        /// <summary>A copy with its own storage (recorded by autograd).</summary>
        public Tensor clone() => new(cnn_tensor_clone(Handle));
    }
}
