// Shared definitions of the CnnMl C ABI: handles, error capture and small conversions.
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <cstdint>
#include <string>
#include <vector>

#define CNN_API extern "C" __attribute__((visibility("default")))

// Every tensor crossing the boundary is a heap-allocated at::Tensor owned by the managed side.
typedef at::Tensor* TensorHandle;

namespace cnnml {

void set_error(const char* message);

inline TensorHandle wrap(at::Tensor t) { return new at::Tensor(std::move(t)); }

inline at::IntArrayRef dims(const int64_t* values, int count) {
  return at::IntArrayRef(values, static_cast<size_t>(count));
}

inline at::Scalar scalar(double value, int integral) {
  return integral ? at::Scalar(static_cast<int64_t>(value)) : at::Scalar(value);
}

inline at::TensorOptions options(int dtype, int device_type, int device_index) {
  return at::TensorOptions()
      .dtype(static_cast<at::ScalarType>(dtype))
      .device(at::Device(static_cast<at::DeviceType>(device_type), static_cast<c10::DeviceIndex>(device_index)));
}

inline at::Tensor& deref(TensorHandle h) {
  if (h == nullptr) throw std::invalid_argument("null tensor handle");
  return *h;
}

inline c10::optional<at::Tensor> optional(TensorHandle h) {
  return h == nullptr ? c10::optional<at::Tensor>() : c10::optional<at::Tensor>(*h);
}

inline std::vector<at::Tensor> tensor_list(const TensorHandle* handles, int count) {
  std::vector<at::Tensor> list;
  list.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) list.push_back(deref(handles[i]));
  return list;
}

}  // namespace cnnml

// No C++ exception may cross the boundary: each export runs its body inside CNN_TRY/CNN_CATCH,
// which stores the message for cnn_last_error and returns the given failure value.
#define CNN_TRY try {
#define CNN_CATCH(failure)                                  \
  }                                                         \
  catch (const c10::Error& e) {                             \
    cnnml::set_error(e.what_without_backtrace());           \
    return failure;                                         \
  }                                                         \
  catch (const std::exception& e) {                         \
    cnnml::set_error(e.what());                             \
    return failure;                                         \
  }                                                         \
  catch (...) {                                             \
    cnnml::set_error("unknown native error");               \
    return failure;                                         \
  }

// Exports returning a new tensor: nullptr signals failure.
#define CNN_TENSOR_FN(name, params, expr) \
  CNN_API TensorHandle name params { CNN_TRY return cnnml::wrap(expr); CNN_CATCH(nullptr) }

// Exports with no result: 0 on success, -1 on failure.
#define CNN_STATUS_FN(name, params, body) \
  CNN_API int name params { CNN_TRY body; return 0; CNN_CATCH(-1) }
