// Neural-network functions (torch.nn.functional): convolution, normalization, activations, pooling, losses.
#include "common.h"

using cnnml::deref;
using cnnml::dims;
using cnnml::optional;

#define A deref(a)
#define ACTIVATION(name, expr) CNN_TENSOR_FN(cnn_##name, (TensorHandle a), expr)
#define ACTIVATION_INPLACE(name, expr) CNN_STATUS_FN(cnn_##name, (TensorHandle a), expr)

ACTIVATION(relu, at::relu(A))
ACTIVATION(relu6, at::hardtanh(A, 0.0, 6.0))
ACTIVATION(silu, at::silu(A))
ACTIVATION(sigmoid, at::sigmoid(A))
ACTIVATION(hardswish, at::hardswish(A))
ACTIVATION(hardsigmoid, at::hardsigmoid(A))
ACTIVATION(gelu, at::gelu(A))
ACTIVATION(gelu_tanh, at::gelu(A, "tanh"))
ACTIVATION_INPLACE(relu_, at::relu_(A))
ACTIVATION_INPLACE(relu6_, at::hardtanh_(A, 0.0, 6.0))
ACTIVATION_INPLACE(silu_, at::silu_(A))
ACTIVATION_INPLACE(sigmoid_, at::sigmoid_(A))
ACTIVATION_INPLACE(hardswish_, at::hardswish_(A))
CNN_TENSOR_FN(cnn_leaky_relu, (TensorHandle a, double slope), at::leaky_relu(A, slope))

CNN_TENSOR_FN(cnn_conv2d,
              (TensorHandle a, TensorHandle weight, TensorHandle bias, const int64_t* stride, const int64_t* padding,
               const int64_t* dilation, int64_t groups),
              at::conv2d(A, deref(weight), optional(bias), dims(stride, 2), dims(padding, 2), dims(dilation, 2), groups))

CNN_TENSOR_FN(cnn_batch_norm,
              (TensorHandle a, TensorHandle running_mean, TensorHandle running_var, TensorHandle weight,
               TensorHandle bias, int training, double momentum, double eps),
              at::batch_norm(A, optional(weight), optional(bias), optional(running_mean), optional(running_var),
                             training != 0, momentum, eps, at::globalContext().userEnabledCuDNN()))

CNN_TENSOR_FN(cnn_linear, (TensorHandle a, TensorHandle weight, TensorHandle bias),
              at::linear(A, deref(weight), optional(bias)))

CNN_TENSOR_FN(cnn_max_pool2d,
              (TensorHandle a, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
               const int64_t* dilation, int ceil_mode),
              at::max_pool2d(A, dims(kernel, 2), dims(stride, 2), dims(padding, 2), dims(dilation, 2), ceil_mode != 0))

CNN_TENSOR_FN(cnn_avg_pool2d,
              (TensorHandle a, const int64_t* kernel, const int64_t* stride, const int64_t* padding, int ceil_mode,
               int count_include_pad),
              at::avg_pool2d(A, dims(kernel, 2), dims(stride, 2), dims(padding, 2), ceil_mode != 0,
                             count_include_pad != 0))

CNN_TENSOR_FN(cnn_adaptive_avg_pool2d, (TensorHandle a, const int64_t* output_size),
              at::adaptive_avg_pool2d(A, dims(output_size, 2)))
CNN_TENSOR_FN(cnn_adaptive_max_pool2d, (TensorHandle a, const int64_t* output_size),
              std::get<0>(at::adaptive_max_pool2d(A, dims(output_size, 2))))

CNN_TENSOR_FN(cnn_dropout, (TensorHandle a, double p, int training), at::dropout(A, p, training != 0))
CNN_STATUS_FN(cnn_dropout_, (TensorHandle a, double p, int training), at::dropout_(A, p, training != 0))

CNN_TENSOR_FN(cnn_softmax, (TensorHandle a, int64_t dim), at::softmax(A, dim))
CNN_TENSOR_FN(cnn_log_softmax, (TensorHandle a, int64_t dim), at::log_softmax(A, dim))

// reduction: 0 none, 1 mean, 2 sum (at::Reduction).
CNN_TENSOR_FN(cnn_cross_entropy,
              (TensorHandle a, TensorHandle target, TensorHandle weight, int64_t reduction, int64_t ignore_index,
               double label_smoothing),
              at::cross_entropy_loss(A, deref(target), optional(weight), reduction, ignore_index, label_smoothing))
CNN_TENSOR_FN(cnn_nll_loss,
              (TensorHandle a, TensorHandle target, TensorHandle weight, int64_t reduction, int64_t ignore_index),
              at::nll_loss(A, deref(target), optional(weight), reduction, ignore_index))
CNN_TENSOR_FN(cnn_mse_loss, (TensorHandle a, TensorHandle target, int64_t reduction),
              at::mse_loss(A, deref(target), reduction))

// Local response normalization across channels (Krizhevsky et al. 2012, section 3.3), computed as
// torch.nn.functional.local_response_norm does for 4-D input: an average of squares over a channel window.
CNN_API TensorHandle cnn_local_response_norm(TensorHandle a, int64_t size, double alpha, double beta, double k) {
  CNN_TRY
  const auto& input = A;
  TORCH_CHECK(input.dim() == 4, "local_response_norm expects 4-D input (N, C, H, W), got ", input.dim(), "-D");
  auto sizes = input.sizes();
  auto div = input.mul(input).unsqueeze(1).view({sizes[0], 1, sizes[1], sizes[2], -1});
  div = at::constant_pad_nd(div, {0, 0, 0, 0, size / 2, (size - 1) / 2});
  div = at::avg_pool3d(div, {size, 1, 1}, {1, 1, 1}).squeeze(1).view(sizes);
  div = div.mul(alpha).add(k).pow(beta);
  return cnnml::wrap(input / div);
  CNN_CATCH(nullptr)
}
