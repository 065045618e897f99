using static CnnMl.Torch.Native.NativeMethods;

namespace CnnMl.Torch;

public static partial class torch
{
    public partial class Tensor
    {
        // Every in-place operation reports itself to an installed tracer, so a traced value is never
        // overwritten behind the tracer's back.
        private Tensor InPlace(int status, Tensor? other = null, [System.Runtime.CompilerServices.CallerMemberName] string op = "")
        {
            TorchException.Check(status);
            return OperationTracing.Traced(this, op, this, other);
        }

        private Tensor InPlace(int status, Scalar scalar, [System.Runtime.CompilerServices.CallerMemberName] string op = "")
        {
            TorchException.Check(status);
            if (OperationTracing.IsActive) OperationTracing.Record(op, this, [this], ("scalar", scalar.Value));
            return this;
        }

        private Tensor WithScalar(Tensor output, Scalar scalar, [System.Runtime.CompilerServices.CallerMemberName] string op = "")
        {
            if (OperationTracing.IsActive) OperationTracing.Record(op, output, [this], ("scalar", scalar.Value));
            return output;
        }

        private Tensor WithAlpha(Tensor output, Tensor other, Scalar alpha, [System.Runtime.CompilerServices.CallerMemberName] string op = "")
        {
            if (OperationTracing.IsActive) OperationTracing.Record(op, output, [this, other], ("alpha", alpha.Value));
            return output;
        }

        public Tensor neg() => new(cnn_neg(Handle));
        public Tensor abs() => new(cnn_abs(Handle));
        public Tensor exp() => new(cnn_exp(Handle));
        public Tensor log() => new(cnn_log(Handle));
        public Tensor sqrt() => new(cnn_sqrt(Handle));
        public Tensor rsqrt() => new(cnn_rsqrt(Handle));
        public Tensor square() => new(cnn_square(Handle));
        public Tensor sign() => new(cnn_sign(Handle));
        public Tensor floor() => new(cnn_floor(Handle));
        public Tensor ceil() => new(cnn_ceil(Handle));
        public Tensor round() => new(cnn_round(Handle));
        public Tensor reciprocal() => new(cnn_reciprocal(Handle));
        public Tensor tanh() => new(cnn_tanh(Handle));
        public Tensor erfinv() => new(cnn_erfinv(Handle));
        public Tensor isnan() => new(cnn_isnan(Handle));
        public Tensor isfinite() => new(cnn_isfinite(Handle));
        public Tensor logical_not() => new(cnn_logical_not(Handle));
        public Tensor t() => new(cnn_t(Handle));
        public Tensor relu() => OperationTracing.Traced(new(cnn_relu(Handle)), "relu", this);
        public Tensor sigmoid() => OperationTracing.Traced(new(cnn_sigmoid(Handle)), "sigmoid", this);

        public Tensor neg_() => InPlace(cnn_neg_(Handle));
        public Tensor abs_() => InPlace(cnn_abs_(Handle));
        public Tensor exp_() => InPlace(cnn_exp_(Handle));
        public Tensor log_() => InPlace(cnn_log_(Handle));
        public Tensor sqrt_() => InPlace(cnn_sqrt_(Handle));
        public Tensor erfinv_() => InPlace(cnn_erfinv_(Handle));
        public Tensor zero_() => InPlace(cnn_zero_(Handle));
        public Tensor relu_() => InPlace(cnn_relu_(Handle));
        public Tensor fill_(Scalar value) => InPlace(cnn_fill_(Handle, value.Value, value.Integral), value);

        public Tensor add(Tensor other) => OperationTracing.Traced(new(cnn_add(Handle, other.Handle, 1, 1)), "add", this, other);
        public Tensor add(Tensor other, Scalar alpha) => WithAlpha(new(cnn_add(Handle, other.Handle, alpha.Value, alpha.Integral)), other, alpha);
        public Tensor add(Scalar other) => WithScalar(new(cnn_add_scalar(Handle, other.Value, other.Integral)), other);
        public Tensor sub(Tensor other) => OperationTracing.Traced(new(cnn_sub(Handle, other.Handle)), "sub", this, other);
        public Tensor sub(Scalar other) => WithScalar(new(cnn_sub_scalar(Handle, other.Value, other.Integral)), other);
        public Tensor mul(Tensor other) => OperationTracing.Traced(new(cnn_mul(Handle, other.Handle)), "mul", this, other);
        public Tensor mul(Scalar other) => WithScalar(new(cnn_mul_scalar(Handle, other.Value, other.Integral)), other);
        public Tensor div(Tensor other) => OperationTracing.Traced(new(cnn_div(Handle, other.Handle)), "div", this, other);
        public Tensor div(Scalar other) => WithScalar(new(cnn_div_scalar(Handle, other.Value, other.Integral)), other);
        public Tensor pow(Tensor exponent) => new(cnn_pow(Handle, exponent.Handle));
        public Tensor pow(Scalar exponent) => new(cnn_pow_scalar(Handle, exponent.Value, exponent.Integral));
        public Tensor remainder(Tensor other) => new(cnn_remainder(Handle, other.Handle));
        public Tensor remainder(Scalar other) => new(cnn_remainder_scalar(Handle, other.Value, other.Integral));
        public Tensor maximum(Tensor other) => new(cnn_maximum(Handle, other.Handle));
        public Tensor minimum(Tensor other) => new(cnn_minimum(Handle, other.Handle));
        public Tensor matmul(Tensor other) => new(cnn_matmul(Handle, other.Handle));
        public Tensor mm(Tensor other) => new(cnn_mm(Handle, other.Handle));
        public Tensor bmm(Tensor other) => new(cnn_bmm(Handle, other.Handle));
        public Tensor logical_and(Tensor other) => new(cnn_logical_and(Handle, other.Handle));
        public Tensor logical_or(Tensor other) => new(cnn_logical_or(Handle, other.Handle));

        public Tensor add_(Tensor other) => InPlace(cnn_add_(Handle, other.Handle, 1, 1), other);
        public Tensor add_(Tensor other, Scalar alpha)
        {
            TorchException.Check(cnn_add_(Handle, other.Handle, alpha.Value, alpha.Integral));
            return WithAlpha(this, other, alpha);
        }
        public Tensor add_(Scalar other) => InPlace(cnn_add_scalar_(Handle, other.Value, other.Integral), other);
        public Tensor sub_(Tensor other) => InPlace(cnn_sub_(Handle, other.Handle), other);
        public Tensor sub_(Scalar other) => InPlace(cnn_sub_scalar_(Handle, other.Value, other.Integral), other);
        public Tensor mul_(Tensor other) => InPlace(cnn_mul_(Handle, other.Handle), other);
        public Tensor mul_(Scalar other) => InPlace(cnn_mul_scalar_(Handle, other.Value, other.Integral), other);
        public Tensor div_(Tensor other) => InPlace(cnn_div_(Handle, other.Handle), other);
        public Tensor div_(Scalar other) => InPlace(cnn_div_scalar_(Handle, other.Value, other.Integral), other);
        public Tensor pow_(Scalar exponent) => InPlace(cnn_pow_scalar_(Handle, exponent.Value, exponent.Integral), exponent);

        /// <summary>Copies the values of <paramref name="source"/> (broadcast, converted) into this tensor.</summary>
        public Tensor copy_(Tensor source) => InPlace(cnn_copy_(Handle, source.Handle), source);

        public Tensor eq(Tensor other) => new(cnn_eq(Handle, other.Handle));
        public Tensor ne(Tensor other) => new(cnn_ne(Handle, other.Handle));
        public Tensor lt(Tensor other) => new(cnn_lt(Handle, other.Handle));
        public Tensor le(Tensor other) => new(cnn_le(Handle, other.Handle));
        public Tensor gt(Tensor other) => new(cnn_gt(Handle, other.Handle));
        public Tensor ge(Tensor other) => new(cnn_ge(Handle, other.Handle));
        public Tensor eq(Scalar other) => new(cnn_eq_scalar(Handle, other.Value, other.Integral));
        public Tensor ne(Scalar other) => new(cnn_ne_scalar(Handle, other.Value, other.Integral));
        public Tensor lt(Scalar other) => new(cnn_lt_scalar(Handle, other.Value, other.Integral));
        public Tensor le(Scalar other) => new(cnn_le_scalar(Handle, other.Value, other.Integral));
        public Tensor gt(Scalar other) => new(cnn_gt_scalar(Handle, other.Value, other.Integral));
        public Tensor ge(Scalar other) => new(cnn_ge_scalar(Handle, other.Value, other.Integral));

        /// <summary>Clamps every element into [min, max]; either bound may be omitted.</summary>
        public Tensor clamp(Scalar? min = null, Scalar? max = null) =>
            new(cnn_clamp(Handle, min?.Value ?? 0, min is null ? 0 : 1, max?.Value ?? 0, max is null ? 0 : 1));

        /// <summary>Clamps in place.</summary>
        public Tensor clamp_(Scalar? min = null, Scalar? max = null) =>
            InPlace(cnn_clamp_(Handle, min?.Value ?? 0, min is null ? 0 : 1, max?.Value ?? 0, max is null ? 0 : 1));

        public Tensor masked_fill(Tensor mask, Scalar value) => new(cnn_masked_fill(Handle, mask.Handle, value.Value, value.Integral));
        public Tensor addcmul(Tensor tensor1, Tensor tensor2, double value = 1) => new(cnn_addcmul(Handle, tensor1.Handle, tensor2.Handle, value));
        public Tensor addcdiv(Tensor tensor1, Tensor tensor2, double value = 1) => new(cnn_addcdiv(Handle, tensor1.Handle, tensor2.Handle, value));

        /// <summary>True when every element is within atol + rtol * |other| of <paramref name="other"/>.</summary>
        public bool allclose(Tensor other, double rtol = 1e-05, double atol = 1e-08) => Checked(cnn_allclose(Handle, other.Handle, rtol, atol)) == 1;

        /// <summary>True when both tensors have the same shape and elements.</summary>
        public bool equal(Tensor other) => Checked(cnn_equal(Handle, other.Handle)) == 1;

        public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
        public static Tensor operator +(Tensor a, Scalar b) => a.add(b);
        public static Tensor operator +(Scalar a, Tensor b) => b.add(a);
        public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
        public static Tensor operator -(Tensor a, Scalar b) => a.sub(b);
        public static Tensor operator -(Scalar a, Tensor b) => new(cnn_rsub_scalar(b.Handle, a.Value, a.Integral));
        public static Tensor operator -(Tensor a) => a.neg();
        public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
        public static Tensor operator *(Tensor a, Scalar b) => a.mul(b);
        public static Tensor operator *(Scalar a, Tensor b) => b.mul(a);
        public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
        public static Tensor operator /(Tensor a, Scalar b) => a.div(b);
        public static Tensor operator /(Scalar a, Tensor b) => new(cnn_rdiv_scalar(b.Handle, a.Value, a.Integral));
        public static Tensor operator %(Tensor a, Tensor b) => a.remainder(b);
        public static Tensor operator %(Tensor a, Scalar b) => a.remainder(b);
    }

    /// <summary>Elementwise selection: <paramref name="x"/> where <paramref name="condition"/> holds, else <paramref name="y"/>.</summary>
    public static Tensor where(Tensor condition, Tensor x, Tensor y) => new(cnn_where(condition.Handle, x.Handle, y.Handle));

    /// <summary>Elementwise maximum.</summary>
    public static Tensor maximum(Tensor a, Tensor b) => a.maximum(b);

    /// <summary>Elementwise minimum.</summary>
    public static Tensor minimum(Tensor a, Tensor b) => a.minimum(b);

    /// <summary>Matrix product with broadcasting.</summary>
    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);

    public static Tensor exp(Tensor input) => input.exp();
    public static Tensor log(Tensor input) => input.log();
    public static Tensor sqrt(Tensor input) => input.sqrt();
    public static Tensor abs(Tensor input) => input.abs();
    public static Tensor tanh(Tensor input) => input.tanh();
    public static Tensor sigmoid(Tensor input) => input.sigmoid();
    public static Tensor relu(Tensor input) => input.relu();
    public static Tensor clamp(Tensor input, Scalar? min = null, Scalar? max = null) => input.clamp(min, max);
    public static bool allclose(Tensor a, Tensor b, double rtol = 1e-05, double atol = 1e-08) => a.allclose(b, rtol, atol);
    public static bool equal(Tensor a, Tensor b) => a.equal(b);
}

public static partial class torch
{
    public partial class Tensor
    {
        public Tensor erf() => new(cnn_erf(Handle));

        /// <summary>Fills with uniform samples from [from, to) drawn from the default generator.</summary>
        public Tensor uniform_(double from = 0, double to = 1) => InPlace(cnn_uniform_(Handle, from, to));

        /// <summary>Fills with normal samples drawn from the default generator.</summary>
        public Tensor normal_(double mean = 0, double std = 1) => InPlace(cnn_normal_(Handle, mean, std));

        /// <summary>Fills with Bernoulli(p) samples (0 or 1).</summary>
        public Tensor bernoulli_(double p = 0.5) => InPlace(cnn_bernoulli_(Handle, p));
    }
}
