namespace CnnMl.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// A tensor that is a trainable parameter of a module: a leaf that requires grad by default.
        /// It belongs to its module, not to a dispose scope.
        /// </summary>
        public sealed class Parameter : Tensor
        {
            /// <summary>Makes a parameter of <paramref name="data"/>'s values; <paramref name="data"/> is consumed (disposed).</summary>
            public Parameter(Tensor data, bool requires_grad = true) : base(Leaf(data, requires_grad)) { }

            private static Tensor Leaf(Tensor data, bool requires_grad)
            {
                ArgumentNullException.ThrowIfNull(data);
                var leaf = data.detach();
                data.Dispose();
                leaf.requires_grad = requires_grad;
                return leaf;
            }
        }
    }
}
