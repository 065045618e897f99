// Element-wise, reduction, shape and linear-algebra operations on tensors.
#include "common.h"

using cnnml::deref;
using cnnml::dims;
using cnnml::scalar;

#define A deref(a)
#define B deref(b)

#define UNARY(name, expr) CNN_TENSOR_FN(cnn_##name, (TensorHandle a), expr)
#define UNARY_INPLACE(name, expr) CNN_STATUS_FN(cnn_##name, (TensorHandle a), expr)
#define BINARY(name, expr) CNN_TENSOR_FN(cnn_##name, (TensorHandle a, TensorHandle b), expr)
#define BINARY_INPLACE(name, expr) CNN_STATUS_FN(cnn_##name, (TensorHandle a, TensorHandle b), expr)
#define SCALAR(name, expr) CNN_TENSOR_FN(cnn_##name, (TensorHandle a, double s, int integral), expr)
#define SCALAR_INPLACE(name, expr) CNN_STATUS_FN(cnn_##name, (TensorHandle a, double s, int integral), expr)
#define S scalar(s, integral)

UNARY(neg, A.neg())
UNARY(abs, A.abs())
UNARY(exp, A.exp())
UNARY(log, A.log())
UNARY(sqrt, A.sqrt())
UNARY(rsqrt, A.rsqrt())
UNARY(square, A.square())
UNARY(sign, A.sign())
UNARY(floor, A.floor())
UNARY(ceil, A.ceil())
UNARY(round, A.round())
UNARY(reciprocal, A.reciprocal())
UNARY(tanh, A.tanh())
UNARY(erfinv, A.erfinv())
UNARY(isnan, A.isnan())
UNARY(isfinite, A.isfinite())
UNARY(logical_not, A.logical_not())
UNARY(t, A.t())

UNARY_INPLACE(neg_, A.neg_())
UNARY_INPLACE(abs_, A.abs_())
UNARY_INPLACE(exp_, A.exp_())
UNARY_INPLACE(log_, A.log_())
UNARY_INPLACE(sqrt_, A.sqrt_())
UNARY_INPLACE(erfinv_, A.erfinv_())
UNARY_INPLACE(zero_, A.zero_())

BINARY(sub, A.sub(B))
BINARY(mul, A.mul(B))
BINARY(div, A.div(B))
BINARY(pow, A.pow(B))
BINARY(remainder, A.remainder(B))
BINARY(maximum, at::maximum(A, B))
BINARY(minimum, at::minimum(A, B))
BINARY(eq, A.eq(B))
BINARY(ne, A.ne(B))
BINARY(lt, A.lt(B))
BINARY(le, A.le(B))
BINARY(gt, A.gt(B))
BINARY(ge, A.ge(B))
BINARY(logical_and, A.logical_and(B))
BINARY(logical_or, A.logical_or(B))
BINARY(matmul, A.matmul(B))
BINARY(mm, A.mm(B))
BINARY(bmm, A.bmm(B))
CNN_TENSOR_FN(cnn_add, (TensorHandle a, TensorHandle b, double alpha, int integral), A.add(B, scalar(alpha, integral)))

CNN_STATUS_FN(cnn_add_, (TensorHandle a, TensorHandle b, double alpha, int integral), A.add_(B, scalar(alpha, integral)))
BINARY_INPLACE(sub_, A.sub_(B))
BINARY_INPLACE(mul_, A.mul_(B))
BINARY_INPLACE(div_, A.div_(B))
BINARY_INPLACE(copy_, A.copy_(B))

SCALAR(add_scalar, A.add(S))
SCALAR(sub_scalar, A.sub(S))
SCALAR(rsub_scalar, at::rsub(A, S))
SCALAR(mul_scalar, A.mul(S))
SCALAR(div_scalar, A.div(S))
SCALAR(rdiv_scalar, A.reciprocal().mul(S))
SCALAR(pow_scalar, A.pow(S))
SCALAR(remainder_scalar, A.remainder(S))
SCALAR(eq_scalar, A.eq(S))
SCALAR(ne_scalar, A.ne(S))
SCALAR(lt_scalar, A.lt(S))
SCALAR(le_scalar, A.le(S))
SCALAR(gt_scalar, A.gt(S))
SCALAR(ge_scalar, A.ge(S))

SCALAR_INPLACE(add_scalar_, A.add_(S))
SCALAR_INPLACE(sub_scalar_, A.sub_(S))
SCALAR_INPLACE(mul_scalar_, A.mul_(S))
SCALAR_INPLACE(div_scalar_, A.div_(S))
SCALAR_INPLACE(pow_scalar_, A.pow_(S))
SCALAR_INPLACE(fill_, A.fill_(S))

CNN_TENSOR_FN(cnn_clamp, (TensorHandle a, double min, int has_min, double max, int has_max),
              at::clamp(A, has_min ? c10::optional<at::Scalar>(min) : c10::nullopt,
                        has_max ? c10::optional<at::Scalar>(max) : c10::nullopt))
CNN_STATUS_FN(cnn_clamp_, (TensorHandle a, double min, int has_min, double max, int has_max),
              at::clamp_(A, has_min ? c10::optional<at::Scalar>(min) : c10::nullopt,
                         has_max ? c10::optional<at::Scalar>(max) : c10::nullopt))
CNN_TENSOR_FN(cnn_where, (TensorHandle condition, TensorHandle a, TensorHandle b), at::where(deref(condition), A, B))
CNN_TENSOR_FN(cnn_masked_fill, (TensorHandle a, TensorHandle mask, double s, int integral), A.masked_fill(deref(mask), S))
CNN_TENSOR_FN(cnn_addcmul, (TensorHandle a, TensorHandle b, TensorHandle c, double value),
              A.addcmul(B, deref(c), value))
CNN_TENSOR_FN(cnn_addcdiv, (TensorHandle a, TensorHandle b, TensorHandle c, double value),
              A.addcdiv(B, deref(c), value))

// Reductions. dtype < 0 keeps the input's type.
CNN_TENSOR_FN(cnn_sum, (TensorHandle a, int dtype),
              dtype < 0 ? A.sum() : A.sum(static_cast<at::ScalarType>(dtype)))
CNN_TENSOR_FN(cnn_sum_dims, (TensorHandle a, const int64_t* d, int n, int keepdim),
              A.sum(dims(d, n), keepdim != 0))
CNN_TENSOR_FN(cnn_mean, (TensorHandle a), A.mean())
CNN_TENSOR_FN(cnn_mean_dims, (TensorHandle a, const int64_t* d, int n, int keepdim),
              A.mean(dims(d, n), keepdim != 0))
CNN_TENSOR_FN(cnn_var_dims, (TensorHandle a, const int64_t* d, int n, int unbiased, int keepdim),
              A.var(dims(d, n), unbiased != 0, keepdim != 0))
UNARY(max, A.max())
UNARY(min, A.min())
UNARY(argmax_all, A.argmax())
UNARY(argmin_all, A.argmin())
CNN_TENSOR_FN(cnn_argmax, (TensorHandle a, int64_t dim, int keepdim), A.argmax(dim, keepdim != 0))
CNN_TENSOR_FN(cnn_argmin, (TensorHandle a, int64_t dim, int keepdim), A.argmin(dim, keepdim != 0))
CNN_STATUS_FN(cnn_max_dim, (TensorHandle a, int64_t dim, int keepdim, TensorHandle* values, TensorHandle* indices), {
  auto result = A.max(dim, keepdim != 0);
  *values = cnnml::wrap(std::get<0>(result));
  *indices = cnnml::wrap(std::get<1>(result));
})
CNN_STATUS_FN(cnn_min_dim, (TensorHandle a, int64_t dim, int keepdim, TensorHandle* values, TensorHandle* indices), {
  auto result = A.min(dim, keepdim != 0);
  *values = cnnml::wrap(std::get<0>(result));
  *indices = cnnml::wrap(std::get<1>(result));
})
CNN_STATUS_FN(cnn_topk, (TensorHandle a, int64_t k, int64_t dim, int largest, int sorted, TensorHandle* values,
                         TensorHandle* indices), {
  auto result = A.topk(k, dim, largest != 0, sorted != 0);
  *values = cnnml::wrap(std::get<0>(result));
  *indices = cnnml::wrap(std::get<1>(result));
})
CNN_API int cnn_allclose(TensorHandle a, TensorHandle b, double rtol, double atol) {
  CNN_TRY return A.allclose(B, rtol, atol) ? 1 : 0;
  CNN_CATCH(-1)
}
CNN_API int cnn_equal(TensorHandle a, TensorHandle b) {
  CNN_TRY return A.equal(B) ? 1 : 0;
  CNN_CATCH(-1)
}

// Shape and indexing.
CNN_TENSOR_FN(cnn_reshape, (TensorHandle a, const int64_t* shape, int n), A.reshape(dims(shape, n)))
CNN_TENSOR_FN(cnn_view, (TensorHandle a, const int64_t* shape, int n), A.view(dims(shape, n)))
CNN_TENSOR_FN(cnn_permute, (TensorHandle a, const int64_t* order, int n), A.permute(dims(order, n)))
CNN_TENSOR_FN(cnn_expand, (TensorHandle a, const int64_t* shape, int n), A.expand(dims(shape, n)))
CNN_TENSOR_FN(cnn_repeat, (TensorHandle a, const int64_t* repeats, int n), A.repeat(dims(repeats, n)))
CNN_TENSOR_FN(cnn_transpose, (TensorHandle a, int64_t d0, int64_t d1), A.transpose(d0, d1))
CNN_TENSOR_FN(cnn_flatten, (TensorHandle a, int64_t start, int64_t end), A.flatten(start, end))
CNN_TENSOR_FN(cnn_unsqueeze, (TensorHandle a, int64_t dim), A.unsqueeze(dim))
UNARY(squeeze, A.squeeze())
CNN_TENSOR_FN(cnn_squeeze_dim, (TensorHandle a, int64_t dim), A.squeeze(dim))
CNN_TENSOR_FN(cnn_narrow, (TensorHandle a, int64_t dim, int64_t start, int64_t length), A.narrow(dim, start, length))
CNN_TENSOR_FN(cnn_slice, (TensorHandle a, int64_t dim, int64_t start, int64_t end, int64_t step),
              A.slice(dim, start, end, step))
CNN_TENSOR_FN(cnn_select, (TensorHandle a, int64_t dim, int64_t index), A.select(dim, index))
CNN_TENSOR_FN(cnn_index_select, (TensorHandle a, int64_t dim, TensorHandle index), A.index_select(dim, deref(index)))
CNN_TENSOR_FN(cnn_gather, (TensorHandle a, int64_t dim, TensorHandle index), A.gather(dim, deref(index)))
CNN_TENSOR_FN(cnn_cat, (const TensorHandle* list, int n, int64_t dim), at::cat(cnnml::tensor_list(list, n), dim))
CNN_TENSOR_FN(cnn_stack, (const TensorHandle* list, int n, int64_t dim), at::stack(cnnml::tensor_list(list, n), dim))
CNN_TENSOR_FN(cnn_one_hot, (TensorHandle a, int64_t classes), at::one_hot(A, classes))
CNN_TENSOR_FN(cnn_flip, (TensorHandle a, const int64_t* d, int n), A.flip(dims(d, n)))
CNN_TENSOR_FN(cnn_constant_pad, (TensorHandle a, const int64_t* pad, int n, double value),
              at::constant_pad_nd(A, dims(pad, n), value))

// In-place sampling from the default generator (used by nn.init, under no_grad).
CNN_STATUS_FN(cnn_uniform_, (TensorHandle a, double from, double to), A.uniform_(from, to))
CNN_STATUS_FN(cnn_normal_, (TensorHandle a, double mean, double std), A.normal_(mean, std))
CNN_STATUS_FN(cnn_bernoulli_, (TensorHandle a, double p), A.bernoulli_(p))
UNARY(erf, A.erf())
