// Process-wide runtime settings: seeds, threads, devices, autograd modes.
#include "common.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/InferenceMode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <dlfcn.h>
#include <mutex>
#include <torch/version.h>

CNN_STATUS_FN(cnn_manual_seed, (int64_t seed), {
  auto cpu = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(cpu.mutex());
    cpu.set_current_seed(static_cast<uint64_t>(seed));
  }
  // Context::defaultGenerator is the public route in libtorch 1.13 and 2.x alike (the CUDA hooks'
  // generator accessor was renamed in 2.x).
  const int gpus = at::detail::getCUDAHooks().getNumGPUs();
  for (int i = 0; i < gpus; ++i) {
    auto gen = at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(static_cast<uint64_t>(seed));
  }
})

// The CPU generator's state as a byte tensor, and back (torch.random.get_rng_state / set_rng_state).
CNN_TENSOR_FN(cnn_get_rng_state, (), ([] {
  auto cpu = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(cpu.mutex());
  return cpu.get_state();
})())

CNN_STATUS_FN(cnn_set_rng_state, (TensorHandle state), {
  auto cpu = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(cpu.mutex());
  cpu.set_state(cnnml::deref(state));
})

namespace {
// at::set_num_threads sizes OpenMP (and MKL, when libtorch uses it) but not OpenBLAS, which keeps a
// pool of one thread per core whatever libtorch is told. Its idle workers spin (sched_yield) between
// calls, so with 1 intra-op thread a second core is still kept busy (measured on LeNet-5 training:
// 11-19 ms of CPU per step before, 7.6-8.2 after). The BLAS is looked up at run time: nothing changes
// when the process uses another one.
void set_blas_num_threads(int count) {
  using SetThreads = void (*)(int);
  static const auto openblas_set_num_threads =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (openblas_set_num_threads != nullptr) openblas_set_num_threads(count);
}
}  // namespace

CNN_STATUS_FN(cnn_set_num_threads, (int count), {
  at::set_num_threads(count);
  set_blas_num_threads(count);
})
CNN_API int cnn_get_num_threads() { return at::get_num_threads(); }

CNN_API int cnn_cuda_is_available() {
  CNN_TRY return at::detail::getCUDAHooks().getNumGPUs() > 0 ? 1 : 0;
  CNN_CATCH(0)
}
CNN_API int cnn_cuda_device_count() {
  CNN_TRY return static_cast<int>(at::detail::getCUDAHooks().getNumGPUs());
  CNN_CATCH(0)
}
CNN_STATUS_FN(cnn_cuda_synchronize, (int device_index), {
  if (at::detail::getCUDAHooks().getNumGPUs() > 0) at::detail::getCUDAHooks().deviceSynchronize(device_index);
})

CNN_API int cnn_set_grad_enabled(int enabled) {
  bool previous = at::GradMode::is_enabled();
  at::GradMode::set_enabled(enabled != 0);
  return previous ? 1 : 0;
}
CNN_API int cnn_is_grad_enabled() { return at::GradMode::is_enabled() ? 1 : 0; }

// Inference mode is a RAII guard in libtorch; the managed scope owns one on the heap and
// must free it on the thread that created it.
CNN_API void* cnn_inference_mode_enter() {
  CNN_TRY return new c10::InferenceMode(true);
  CNN_CATCH(nullptr)
}
CNN_API void cnn_inference_mode_exit(void* guard) { delete static_cast<c10::InferenceMode*>(guard); }
CNN_API int cnn_is_inference_mode_enabled() { return c10::InferenceMode::is_enabled() ? 1 : 0; }

CNN_API const char* cnn_torch_version() { return TORCH_VERSION; }

// cuDNN and cuBLAS settings (torch.backends.cudnn.* and torch.backends.cuda.matmul.*). They are
// process-wide flags in at::globalContext(); a CPU-only libtorch keeps and reports them too.
CNN_STATUS_FN(cnn_set_cudnn_flags, (int benchmark, int deterministic, int allow_tf32), {
  auto& context = at::globalContext();
  if (benchmark >= 0) context.setBenchmarkCuDNN(benchmark != 0);
  if (deterministic >= 0) context.setDeterministicCuDNN(deterministic != 0);
  if (allow_tf32 >= 0) context.setAllowTF32CuDNN(allow_tf32 != 0);
})
CNN_STATUS_FN(cnn_get_cudnn_flags, (int* benchmark, int* deterministic, int* allow_tf32), {
  const auto& context = at::globalContext();
  *benchmark = context.benchmarkCuDNN() ? 1 : 0;
  *deterministic = context.deterministicCuDNN() ? 1 : 0;
  *allow_tf32 = context.allowTF32CuDNN() ? 1 : 0;
})
CNN_STATUS_FN(cnn_set_matmul_allow_tf32, (int allow), at::globalContext().setAllowTF32CuBLAS(allow != 0))
CNN_API int cnn_get_matmul_allow_tf32() {
  CNN_TRY return at::globalContext().allowTF32CuBLAS() ? 1 : 0;
  CNN_CATCH(-1)
}

// Automatic mixed precision (torch.autocast). Enabling autocast for a device un-excludes its
// Autocast dispatch key on this thread, in libtorch 1.13 and 2.x alike; only the dtype accessors
// changed in 2.4 (one per device became get/set_autocast_dtype(device, dtype)).
namespace {
c10::DispatchKey autocast_key(int device_type) {
  return static_cast<at::DeviceType>(device_type) == at::kCUDA ? c10::DispatchKey::AutocastCUDA
                                                                 : c10::DispatchKey::AutocastCPU;
}
void set_autocast_dtype(int device_type, at::ScalarType dtype) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_dtype(static_cast<at::DeviceType>(device_type), dtype);
#else
  if (static_cast<at::DeviceType>(device_type) == at::kCUDA)
    at::autocast::set_autocast_gpu_dtype(dtype);
  else
    at::autocast::set_autocast_cpu_dtype(dtype);
#endif
}
}  // namespace

// Enters autocast for a device with a dtype; returns the previous state as enabled flag in bit 0.
CNN_STATUS_FN(cnn_autocast_enter, (int device_type, int dtype, int* was_enabled), {
  auto key = autocast_key(device_type);
  if (static_cast<at::DeviceType>(device_type) != at::kCUDA && static_cast<at::DeviceType>(device_type) != at::kCPU)
    throw std::invalid_argument("autocast supports the cpu and cuda devices");
  *was_enabled = c10::impl::tls_is_dispatch_key_excluded(key) ? 0 : 1;
  set_autocast_dtype(device_type, static_cast<at::ScalarType>(dtype));
  c10::impl::tls_set_dispatch_key_excluded(key, false);
  at::autocast::increment_nesting();
})
// Leaves autocast: restores the enabled flag and dtype and, at the outermost level, frees the cast weights.
CNN_STATUS_FN(cnn_autocast_exit, (int device_type, int previous_dtype, int was_enabled), {
  c10::impl::tls_set_dispatch_key_excluded(autocast_key(device_type), was_enabled == 0);
  set_autocast_dtype(device_type, static_cast<at::ScalarType>(previous_dtype));
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
})
CNN_STATUS_FN(cnn_autocast_state, (int device_type, int* enabled, int* dtype), {
  *enabled = c10::impl::tls_is_dispatch_key_excluded(autocast_key(device_type)) ? 0 : 1;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  *dtype = static_cast<int>(at::autocast::get_autocast_dtype(static_cast<at::DeviceType>(device_type)));
#else
  *dtype = static_cast<int>(static_cast<at::DeviceType>(device_type) == at::kCUDA ? at::autocast::get_autocast_gpu_dtype()
                                                                                   : at::autocast::get_autocast_cpu_dtype());
#endif
})
