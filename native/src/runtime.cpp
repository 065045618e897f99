// Process-wide runtime settings: seeds, threads, devices, autograd modes.
#include "common.h"

#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/InferenceMode.h>
#include <dlfcn.h>
#include <mutex>
#include <torch/version.h>

CNN_STATUS_FN(cnn_manual_seed, (int64_t seed), {
  auto cpu = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(cpu.mutex());
    cpu.set_current_seed(static_cast<uint64_t>(seed));
  }
  const auto& cuda = at::detail::getCUDAHooks();
  for (int64_t i = 0; i < cuda.getNumGPUs(); ++i) {
    auto gen = cuda.getDefaultCUDAGenerator(static_cast<c10::DeviceIndex>(i));
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(static_cast<uint64_t>(seed));
  }
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
