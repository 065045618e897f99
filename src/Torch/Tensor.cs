using CnnMl.Torch.Native;
using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch;

public static partial class torch
{
    /// <summary>
    /// A libtorch tensor. The native tensor is owned by a <see cref="System.Runtime.InteropServices.SafeHandle"/>; dispose the
    /// tensor (or its <see cref="DisposeScope"/>) to free it promptly.
    /// </summary>
    public partial class Tensor : IDisposable
    {
        private TensorSafeHandle handle;

        internal Tensor(IntPtr native)
        {
            if (native == IntPtr.Zero) throw TorchException.FromNative();
            handle = new TensorSafeHandle(native);
            DisposeScope.Current?.Add(this);
        }

        /// <summary>Takes the native tensor of <paramref name="source"/>, leaving it disposed.</summary>
        protected Tensor(Tensor source)
        {
            handle = source.TakeHandle();
            source.OwningScope = null;
        }

        internal DisposeScope? OwningScope { get; set; }

        internal TensorSafeHandle Handle
        {
            get
            {
                if (handle.IsClosed) throw new ObjectDisposedException(nameof(Tensor), "The tensor was disposed and can no longer be used.");
                return handle;
            }
        }

        private TensorSafeHandle TakeHandle()
        {
            var taken = Handle;
            handle = new TensorSafeHandle();
            handle.SetHandleAsInvalid();
            return taken;
        }

        /// <summary>True once the tensor has been disposed.</summary>
        public bool IsInvalid => handle.IsClosed || handle.IsInvalid;

        /// <summary>Frees the native tensor now.</summary>
        public void Dispose()
        {
            handle.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>Moves this tensor to the dispose scope enclosing its current one (or to none).</summary>
        public Tensor MoveToOuterDisposeScope() => OwningScope is { } scope ? scope.MoveToOuter(this) : this;

        /// <summary>Removes this tensor from its dispose scope: the caller now owns it.</summary>
        public Tensor DetachFromDisposeScope() => OwningScope is { } scope ? scope.Detach(this) : this;

        /// <summary>Number of dimensions.</summary>
        public long Dimensions => Checked(cnn_tensor_ndim(Handle));

        /// <summary>Number of dimensions.</summary>
        public long ndim => Dimensions;

        /// <summary>Number of dimensions.</summary>
        public long dim() => Dimensions;

        /// <summary>The size of each dimension.</summary>
        public unsafe long[] shape
        {
            get
            {
                var result = new long[Dimensions];
                fixed (long* p = result) TorchException.Check(cnn_tensor_shape(Handle, p));
                return result;
            }
        }

        /// <summary>The stride of each dimension, in elements.</summary>
        public unsafe long[] stride()
        {
            var result = new long[Dimensions];
            fixed (long* p = result) TorchException.Check(cnn_tensor_strides(Handle, p));
            return result;
        }

        /// <summary>The size of one dimension (negative counts from the end).</summary>
        public long size(long dim)
        {
            var s = shape;
            var d = NormalizeDim(dim, s.Length);
            return s[d];
        }

        /// <summary>The sizes of all dimensions.</summary>
        public long[] size() => shape;

        /// <summary>Total number of elements.</summary>
        public long NumberOfElements => cnn_tensor_numel(Handle) is var n and >= 0 ? n : throw TorchException.FromNative();

        /// <summary>Total number of elements.</summary>
        public long numel() => NumberOfElements;

        /// <summary>The element type.</summary>
        public ScalarType dtype => (ScalarType)Checked(cnn_tensor_dtype(Handle));

        /// <summary>Size in bytes of one element.</summary>
        public long element_size() => ElementSize(dtype);

        /// <summary>The device type the tensor lives on.</summary>
        public DeviceType device_type => (DeviceType)Checked(cnn_tensor_device_type(Handle));

        /// <summary>The device index (-1 for CPU).</summary>
        public int device_index => cnn_tensor_device_index(Handle) is var i and >= -1 ? i : throw TorchException.FromNative();

        /// <summary>The device the tensor lives on.</summary>
        public Device device => new(device_type, device_index);

        /// <summary>True when the elements are laid out densely in row-major order.</summary>
        public bool is_contiguous() => Checked(cnn_tensor_is_contiguous(Handle, (int)MemoryFormat.Contiguous)) == 1;

        /// <summary>True when the elements are laid out densely in the given memory format.</summary>
        public bool is_contiguous(MemoryFormat memory_format) => Checked(cnn_tensor_is_contiguous(Handle, (int)memory_format)) == 1;

        /// <summary>Whether autograd records operations on this tensor.</summary>
        public bool requires_grad
        {
            get => Checked(cnn_tensor_requires_grad(Handle)) == 1;
            set => TorchException.Check(cnn_tensor_set_requires_grad(Handle, value ? 1 : 0));
        }

        /// <summary>Sets <see cref="requires_grad"/> and returns this tensor.</summary>
        public Tensor requires_grad_(bool requires_grad = true)
        {
            this.requires_grad = requires_grad;
            return this;
        }

        /// <summary>True for tensors created by the user rather than by a recorded operation.</summary>
        public bool is_leaf => Checked(cnn_tensor_is_leaf(Handle)) == 1;

        /// <summary>The accumulated gradient, or null when none has been computed. Each read returns a new handle to the same storage.</summary>
        public Tensor? grad
        {
            get
            {
                var status = Checked(cnn_tensor_grad(Handle, out var g));
                return status == 1 ? new Tensor(g) : null;
            }
            set => TorchException.Check(cnn_tensor_set_grad(Handle, (value?.Handle ?? TensorSafeHandle.Null)));
        }

        /// <summary>Computes gradients of this tensor with respect to the graph leaves.</summary>
        public void backward(Tensor? gradient = null, bool retain_graph = false, bool create_graph = false) =>
            TorchException.Check(cnn_tensor_backward(Handle, (gradient?.Handle ?? TensorSafeHandle.Null), retain_graph ? 1 : 0, create_graph ? 1 : 0));

        /// <summary>Replaces this tensor's data (storage, shape, dtype, device) while keeping the object and its autograd identity, as <c>param.data = other</c>.</summary>
        public void set_data(Tensor data) => TorchException.Check(cnn_tensor_set_data(Handle, data.Handle));

        internal static int Checked(int status) => status < 0 ? throw TorchException.FromNative() : status;

        internal static int NormalizeDim(long dim, int rank)
        {
            var d = dim < 0 ? dim + rank : dim;
            if (d < 0 || d >= rank)
                throw new ArgumentOutOfRangeException(nameof(dim), dim, $"dimension out of range for a tensor of {rank} dimensions");
            return (int)d;
        }

        public override string ToString()
        {
            if (IsInvalid) return "tensor(disposed)";
            return $"tensor({string.Join('x', shape)}, {dtype}, {device})";
        }
    }
}
