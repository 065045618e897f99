// Tensor lifetime, metadata, creation, raw data transfer, devices and autograd state.
#include "common.h"

#include <cstring>

using cnnml::deref;
using cnnml::dims;
using cnnml::options;

namespace {
// ATen factories ignore TensorOptions::requires_grad (only torch:: factories honour it), so
// requires_grad is set on the result, which is then a leaf.
at::Tensor leaf(at::Tensor t, int requires_grad) {
  if (requires_grad) t.set_requires_grad(true);
  return t;
}
}  // namespace

CNN_API void cnn_tensor_free(TensorHandle t) { delete t; }

CNN_API int cnn_tensor_ndim(TensorHandle t) {
  CNN_TRY return static_cast<int>(deref(t).dim());
  CNN_CATCH(-1)
}
CNN_STATUS_FN(cnn_tensor_shape, (TensorHandle t, int64_t* out), {
  auto sizes = deref(t).sizes();
  std::copy(sizes.begin(), sizes.end(), out);
})
CNN_STATUS_FN(cnn_tensor_strides, (TensorHandle t, int64_t* out), {
  auto strides = deref(t).strides();
  std::copy(strides.begin(), strides.end(), out);
})
CNN_API int64_t cnn_tensor_numel(TensorHandle t) {
  CNN_TRY return deref(t).numel();
  CNN_CATCH(-1)
}
CNN_API int cnn_tensor_dtype(TensorHandle t) {
  CNN_TRY return static_cast<int>(deref(t).scalar_type());
  CNN_CATCH(-1)
}
CNN_API int cnn_tensor_device_type(TensorHandle t) {
  CNN_TRY return static_cast<int>(deref(t).device().type());
  CNN_CATCH(-1)
}
CNN_API int cnn_tensor_device_index(TensorHandle t) {
  CNN_TRY return static_cast<int>(deref(t).device().index());
  CNN_CATCH(-2)
}
CNN_API int cnn_tensor_is_contiguous(TensorHandle t, int memory_format) {
  CNN_TRY return deref(t).is_contiguous(static_cast<at::MemoryFormat>(memory_format)) ? 1 : 0;
  CNN_CATCH(-1)
}
CNN_API int cnn_tensor_requires_grad(TensorHandle t) {
  CNN_TRY return deref(t).requires_grad() ? 1 : 0;
  CNN_CATCH(-1)
}
CNN_STATUS_FN(cnn_tensor_set_requires_grad, (TensorHandle t, int requires_grad),
              deref(t).set_requires_grad(requires_grad != 0))
CNN_API int cnn_tensor_is_leaf(TensorHandle t) {
  CNN_TRY return deref(t).is_leaf() ? 1 : 0;
  CNN_CATCH(-1)
}

// Returns 1 and a new handle in *out when a gradient exists, 0 when it is undefined.
CNN_API int cnn_tensor_grad(TensorHandle t, TensorHandle* out) {
  CNN_TRY
  const auto& g = deref(t).grad();
  if (!g.defined()) {
    *out = nullptr;
    return 0;
  }
  *out = cnnml::wrap(g);
  return 1;
  CNN_CATCH(-1)
}
CNN_STATUS_FN(cnn_tensor_set_grad, (TensorHandle t, TensorHandle grad), {
  deref(t).mutable_grad() = grad == nullptr ? at::Tensor() : deref(grad);
})
CNN_STATUS_FN(cnn_tensor_backward, (TensorHandle t, TensorHandle gradient, int retain_graph, int create_graph), {
  deref(t).backward(gradient == nullptr ? at::Tensor() : deref(gradient), c10::optional<bool>(retain_graph != 0),
                    create_graph != 0);
})
CNN_STATUS_FN(cnn_tensor_set_data, (TensorHandle t, TensorHandle data), deref(t).set_data(deref(data)))

CNN_TENSOR_FN(cnn_zeros, (const int64_t* shape, int ndim, int dtype, int dev, int idx, int rg),
              leaf(at::zeros(dims(shape, ndim), options(dtype, dev, idx)), rg))
CNN_TENSOR_FN(cnn_ones, (const int64_t* shape, int ndim, int dtype, int dev, int idx, int rg),
              leaf(at::ones(dims(shape, ndim), options(dtype, dev, idx)), rg))
CNN_TENSOR_FN(cnn_empty, (const int64_t* shape, int ndim, int dtype, int dev, int idx, int rg),
              leaf(at::empty(dims(shape, ndim), options(dtype, dev, idx)), rg))
CNN_TENSOR_FN(cnn_full, (const int64_t* shape, int ndim, double value, int integral, int dtype, int dev, int idx, int rg),
              leaf(at::full(dims(shape, ndim), cnnml::scalar(value, integral), options(dtype, dev, idx)), rg))
CNN_TENSOR_FN(cnn_rand, (const int64_t* shape, int ndim, int dtype, int dev, int idx, int rg),
              leaf(at::rand(dims(shape, ndim), options(dtype, dev, idx)), rg))
CNN_TENSOR_FN(cnn_randn, (const int64_t* shape, int ndim, int dtype, int dev, int idx, int rg),
              leaf(at::randn(dims(shape, ndim), options(dtype, dev, idx)), rg))
CNN_TENSOR_FN(cnn_randint, (int64_t low, int64_t high, const int64_t* shape, int ndim, int dtype, int dev, int idx),
              at::randint(low, high, dims(shape, ndim), options(dtype, dev, idx)))
CNN_TENSOR_FN(cnn_arange, (double start, double end, double step, int dtype, int dev, int idx, int rg),
              leaf(at::arange(start, end, step, options(dtype, dev, idx)), rg))
CNN_TENSOR_FN(cnn_randperm, (int64_t n, int dtype, int dev, int idx), at::randperm(n, options(dtype, dev, idx)))

// One copy: the managed buffer is read once into memory libtorch owns (on the target device).
CNN_API TensorHandle cnn_tensor_from_data(const void* data, const int64_t* shape, int ndim, int dtype, int dev,
                                          int idx, int rg) {
  CNN_TRY
  auto target = options(dtype, dev, idx);
  auto result = at::empty(dims(shape, ndim), target);
  auto nbytes = result.numel() * static_cast<int64_t>(result.element_size());
  if (nbytes > 0) {
    if (result.device().is_cpu()) {
      std::memcpy(result.data_ptr(), data, static_cast<size_t>(nbytes));
    } else {
      auto view = at::from_blob(const_cast<void*>(data), dims(shape, ndim), options(dtype, 0, -1));
      result.copy_(view);
    }
  }
  if (rg) result.set_requires_grad(true);
  return cnnml::wrap(std::move(result));
  CNN_CATCH(nullptr)
}

// Copies the tensor's elements (row-major) into dst, which holds nbytes.
CNN_STATUS_FN(cnn_tensor_copy_to, (TensorHandle t, void* dst, int64_t nbytes), {
  auto src = deref(t);
  if (!src.device().is_cpu() || !src.is_contiguous()) src = src.detach().to(at::kCPU).contiguous();
  auto needed = src.numel() * static_cast<int64_t>(src.element_size());
  if (needed != nbytes)
    throw std::invalid_argument("destination holds " + std::to_string(nbytes) + " bytes, tensor needs " +
                                std::to_string(needed));
  if (needed > 0) std::memcpy(dst, src.data_ptr(), static_cast<size_t>(needed));
})

// Copies nbytes from src into a contiguous tensor's storage (CPU) or through a staging copy (other devices).
CNN_STATUS_FN(cnn_tensor_copy_from, (TensorHandle t, const void* src, int64_t nbytes, int non_blocking), {
  auto dst = deref(t);
  auto needed = dst.numel() * static_cast<int64_t>(dst.element_size());
  if (needed != nbytes)
    throw std::invalid_argument("source holds " + std::to_string(nbytes) + " bytes, tensor needs " +
                                std::to_string(needed));
  if (dst.device().is_cpu() && dst.is_contiguous()) {
    if (needed > 0) std::memcpy(dst.data_ptr(), src, static_cast<size_t>(needed));
  } else {
    auto view = at::from_blob(const_cast<void*>(src), dst.sizes(), options(static_cast<int>(dst.scalar_type()), 0, -1));
    at::NoGradGuard no_grad;
    dst.copy_(view, non_blocking != 0);
  }
})

CNN_API void* cnn_tensor_data_ptr(TensorHandle t) {
  CNN_TRY return deref(t).data_ptr();
  CNN_CATCH(nullptr)
}

CNN_STATUS_FN(cnn_tensor_item_double, (TensorHandle t, double* out), *out = deref(t).item<double>())
CNN_STATUS_FN(cnn_tensor_item_long, (TensorHandle t, int64_t* out), *out = deref(t).item<int64_t>())

CNN_TENSOR_FN(cnn_tensor_to, (TensorHandle t, int dtype, int dev, int idx, int non_blocking, int copy),
              deref(t).to(at::Device(static_cast<at::DeviceType>(dev), static_cast<c10::DeviceIndex>(idx)),
                          static_cast<at::ScalarType>(dtype), non_blocking != 0, copy != 0))
CNN_TENSOR_FN(cnn_tensor_pin_memory, (TensorHandle t), deref(t).pin_memory())
CNN_API int cnn_tensor_is_pinned(TensorHandle t) {
  CNN_TRY return deref(t).is_pinned() ? 1 : 0;
  CNN_CATCH(-1)
}
CNN_TENSOR_FN(cnn_tensor_contiguous, (TensorHandle t, int memory_format),
              deref(t).contiguous(static_cast<at::MemoryFormat>(memory_format)))
// Tensor.to(memory_format=...): unlike contiguous(), restrides a tensor that is contiguous in both
// layouts (a 1x1 convolution's weight) unless it already suggests the requested one.
CNN_TENSOR_FN(cnn_tensor_to_memory_format, (TensorHandle t, int memory_format),
              deref(t).to(deref(t).options(), false, false, static_cast<at::MemoryFormat>(memory_format)))
CNN_TENSOR_FN(cnn_tensor_alias, (TensorHandle t), deref(t))
CNN_TENSOR_FN(cnn_tensor_detach, (TensorHandle t), deref(t).detach())
CNN_TENSOR_FN(cnn_tensor_clone, (TensorHandle t), deref(t).clone())
CNN_STATUS_FN(cnn_tensor_detach_, (TensorHandle t), deref(t).detach_())
