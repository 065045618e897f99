using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch;

public static partial class torch
{
    public partial class Tensor
    {
        /// <summary>Sum of all elements (integers accumulate as int64, as in PyTorch).</summary>
        public Tensor sum(ScalarType? type = null) => new(cnn_sum(Handle, type is null ? -1 : (int)type.Value));

        /// <summary>Sum over the given dimensions.</summary>
        public unsafe Tensor sum(long[] dim, bool keepdim = false)
        {
            fixed (long* p = dim) return new(cnn_sum_dims(Handle, p, dim.Length, keepdim ? 1 : 0));
        }

        /// <summary>Sum over one dimension.</summary>
        public Tensor sum(long dim, bool keepdim = false) => sum(new[] { dim }, keepdim);

        /// <summary>
        /// Sum over one dimension. An int literal 0 converts implicitly to <see cref="ScalarType"/>: without this
        /// overload <c>x.sum(0)</c> would bind to <see cref="sum(ScalarType?)"/> and sum everything as bytes.
        /// </summary>
        public Tensor sum(int dim, bool keepdim = false) => sum(new long[] { dim }, keepdim);

        /// <summary>Mean of all elements.</summary>
        public Tensor mean() => new(cnn_mean(Handle));

        /// <summary>Mean over the given dimensions.</summary>
        public unsafe Tensor mean(long[] dim, bool keepdim = false)
        {
            fixed (long* p = dim) return new(cnn_mean_dims(Handle, p, dim.Length, keepdim ? 1 : 0));
        }

        /// <summary>Mean over one dimension.</summary>
        public Tensor mean(long dim, bool keepdim = false) => mean(new[] { dim }, keepdim);

        /// <summary>Variance over the given dimensions.</summary>
        public unsafe Tensor var(long[] dim, bool unbiased = true, bool keepdim = false)
        {
            fixed (long* p = dim) return new(cnn_var_dims(Handle, p, dim.Length, unbiased ? 1 : 0, keepdim ? 1 : 0));
        }

        /// <summary>Largest element.</summary>
        public Tensor max() => new(cnn_max(Handle));

        /// <summary>Smallest element.</summary>
        public Tensor min() => new(cnn_min(Handle));

        /// <summary>Largest elements along a dimension and their positions.</summary>
        public (Tensor values, Tensor indexes) max(long dim, bool keepdim = false)
        {
            TorchException.Check(cnn_max_dim(Handle, dim, keepdim ? 1 : 0, out var values, out var indexes));
            return (new Tensor(values), new Tensor(indexes));
        }

        /// <summary>Smallest elements along a dimension and their positions.</summary>
        public (Tensor values, Tensor indexes) min(long dim, bool keepdim = false)
        {
            TorchException.Check(cnn_min_dim(Handle, dim, keepdim ? 1 : 0, out var values, out var indexes));
            return (new Tensor(values), new Tensor(indexes));
        }

        /// <summary>The k largest (or smallest) elements along a dimension and their positions.</summary>
        public (Tensor values, Tensor indexes) topk(long k, long dim = -1, bool largest = true, bool sorted = true)
        {
            TorchException.Check(cnn_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out var values, out var indexes));
            return (new Tensor(values), new Tensor(indexes));
        }

        /// <summary>Flat index of the largest element.</summary>
        public Tensor argmax() => new(cnn_argmax_all(Handle));

        /// <summary>Positions of the largest elements along a dimension.</summary>
        public Tensor argmax(long dim, bool keepdim = false) => new(cnn_argmax(Handle, dim, keepdim ? 1 : 0));

        /// <summary>Flat index of the smallest element.</summary>
        public Tensor argmin() => new(cnn_argmin_all(Handle));

        /// <summary>Positions of the smallest elements along a dimension.</summary>
        public Tensor argmin(long dim, bool keepdim = false) => new(cnn_argmin(Handle, dim, keepdim ? 1 : 0));
    }

    public static Tensor sum(Tensor input) => input.sum();
    public static Tensor mean(Tensor input) => input.mean();
    public static Tensor argmax(Tensor input, long dim, bool keepdim = false) => input.argmax(dim, keepdim);
}
