using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch;

public static partial class torch
{
    public partial class Tensor
    {
        /// <summary>Same elements in a new shape (a view when possible); one dimension may be -1.</summary>
        public unsafe Tensor reshape(params long[] shape)
        {
            fixed (long* p = shape) return new(cnn_reshape(Handle, p, shape.Length));
        }

        /// <summary>A view with a new shape; the tensor must be compatible (e.g. contiguous).</summary>
        public unsafe Tensor view(params long[] shape)
        {
            fixed (long* p = shape) return new(cnn_view(Handle, p, shape.Length));
        }

        /// <summary>A view with dimensions reordered.</summary>
        public unsafe Tensor permute(params long[] dims)
        {
            fixed (long* p = dims) return new(cnn_permute(Handle, p, dims.Length));
        }

        /// <summary>A view broadcast to a larger shape.</summary>
        public unsafe Tensor expand(params long[] shape)
        {
            fixed (long* p = shape) return new(cnn_expand(Handle, p, shape.Length));
        }

        /// <summary>Tiles the tensor.</summary>
        public unsafe Tensor repeat(params long[] repeats)
        {
            fixed (long* p = repeats) return new(cnn_repeat(Handle, p, repeats.Length));
        }

        /// <summary>Reverses the order of elements along the given dimensions.</summary>
        public unsafe Tensor flip(params long[] dims)
        {
            fixed (long* p = dims) return new(cnn_flip(Handle, p, dims.Length));
        }

        public Tensor transpose(long dim0, long dim1) => new(cnn_transpose(Handle, dim0, dim1));
        public Tensor flatten(long start_dim = 0, long end_dim = -1)
        {
            var output = new Tensor(cnn_flatten(Handle, start_dim, end_dim));
            if (OperationTracing.IsActive) OperationTracing.Record("flatten", output, [this], ("start_dim", start_dim), ("end_dim", end_dim));
            return output;
        }
        public Tensor unsqueeze(long dim) => new(cnn_unsqueeze(Handle, dim));
        public Tensor squeeze() => new(cnn_squeeze(Handle));
        public Tensor squeeze(long dim) => new(cnn_squeeze_dim(Handle, dim));
        public Tensor narrow(long dim, long start, long length) => new(cnn_narrow(Handle, dim, start, length));
        public Tensor slice(long dim, long start, long finish, long step = 1)
        {
            var output = new Tensor(cnn_slice(Handle, dim, start, finish, step));
            if (OperationTracing.IsActive) OperationTracing.Record("slice", output, [this], ("dim", dim), ("start", start), ("end", finish), ("step", step));
            return output;
        }
        public Tensor select(long dim, long index) => new(cnn_select(Handle, dim, index));
        public Tensor index_select(long dim, Tensor index) => new(cnn_index_select(Handle, dim, index.Handle));
        public Tensor gather(long dim, Tensor index) => new(cnn_gather(Handle, dim, index.Handle));

        /// <summary>The sub-tensor at <paramref name="index"/> along the first dimension.</summary>
        public Tensor this[long index] => select(0, index);
    }

    private static unsafe Tensor Join(IList<Tensor> tensors, long dim, bool stack)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException((stack ? "stack" : "cat") + " needs at least one tensor", nameof(tensors));
        using var lease = new Native.HandleLease(tensors.ToArray());
        Tensor output;
        fixed (IntPtr* p = lease.Pointers)
            output = new Tensor(stack ? cnn_stack(p, tensors.Count, dim) : cnn_cat(p, tensors.Count, dim));
        if (OperationTracing.IsActive) OperationTracing.Record(stack ? "stack" : "cat", output, tensors.ToArray(), ("dim", dim));
        return output;
    }

    /// <summary>Concatenates tensors along an existing dimension.</summary>
    public static Tensor cat(IList<Tensor> tensors, long dim = 0) => Join(tensors, dim, stack: false);

    /// <summary>Stacks tensors along a new dimension.</summary>
    public static Tensor stack(IList<Tensor> tensors, long dim = 0) => Join(tensors, dim, stack: true);

    public static Tensor flatten(Tensor input, long start_dim = 0, long end_dim = -1) => input.flatten(start_dim, end_dim);
    public static Tensor reshape(Tensor input, params long[] shape) => input.reshape(shape);
    public static Tensor permute(Tensor input, params long[] dims) => input.permute(dims);
}
